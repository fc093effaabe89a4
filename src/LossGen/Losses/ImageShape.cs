using System;

namespace LossGen;

/// <summary>The checks of a <c>[C, H, W]</c> (or <c>[C, d1, …, dk]</c>) image shape that the image losses share.</summary>
internal static class ImageShape
{
    /// <summary>
    /// C·H·W and H·W of one image, each dimension at least 1. A product past the largest span is an
    /// <see cref="ArgumentException"/> naming the dimensions, not a wrapped product: 16·2^30·2^30 wraps a long to 0.
    /// </summary>
    private static (int Image, int Plane) Sizes(int channels, int height, int width, string channelsName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1, channelsName);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1, nameof(height));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1, nameof(width));
        long plane = (long)height * width; // < 2^62: exact
        if (plane > Array.MaxLength || plane * channels > Array.MaxLength)
        {
            throw new ArgumentException(
                $"One [{channelsName}, height, width] image of {channels}·{height}·{width} values is larger than any span ({Array.MaxLength} elements).", channelsName);
        }

        return ((int)(plane * channels), (int)plane);
    }

    /// <summary>
    /// The number of <c>[C, H, W]</c> images in <paramref name="length"/> values, with <see cref="Sizes"/>' checks and one
    /// more: the values must be a whole number of images.
    /// </summary>
    public static (int Count, int Image, int Plane) Batch(int length, string valuesName, int channels, int height, int width, string channelsName)
    {
        (int image, int plane) = Sizes(channels, height, width, channelsName);
        if (length % image != 0)
        {
            throw new ArgumentException(
                $"'{valuesName}' has {length} elements, which is not a whole number of [C, H, W] images of {channels}·{height}·{width} = {image}.", valuesName);
        }

        return (length / image, image, plane);
    }

    /// <summary>
    /// <see cref="Batch(int, string, int, int, int, string)"/> for <c>[C, d1, …, dk]</c> images, any k ≥ 1: each dimension at
    /// least 1, the product within a span, and a whole number of images.
    /// </summary>
    public static (int Count, int Image, int Plane) Batch(int length, string valuesName, int channels, ReadOnlySpan<int> spatial, string channelsName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1, channelsName);
        if (spatial.IsEmpty)
        {
            throw new ArgumentException("'spatialShape' is empty; give the spatial dimensions [d1, …, dk] of one image (at least one).", "spatialShape");
        }

        long plane = 1;
        for (int d = 0; d < spatial.Length; d++)
        {
            if (spatial[d] < 1)
            {
                throw new ArgumentOutOfRangeException("spatialShape", spatial[d], $"spatialShape[{d}] is {spatial[d]}; every spatial dimension must be at least 1.");
            }

            plane *= spatial[d];
            if (plane * channels > Array.MaxLength)
            {
                throw new ArgumentException($"One [{channelsName}, {string.Join(", ", spatial.ToArray())}] image is larger than any span ({Array.MaxLength} elements).", "spatialShape");
            }
        }

        int image = (int)(plane * channels);
        if (length % image != 0)
        {
            throw new ArgumentException(
                $"'{valuesName}' has {length} elements, which is not a whole number of [C, {string.Join(", ", spatial.ToArray())}] images of {image}.", valuesName);
        }

        return (length / image, image, (int)plane);
    }
}
