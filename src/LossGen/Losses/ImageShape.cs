using System;

namespace LossGen;

/// <summary>The checks of a <c>[C, H, W]</c> image shape that the image losses share.</summary>
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
}
