using System;

namespace LossGen;

/// <summary>The checks of a <c>[C, H, W]</c> image shape that the image losses share.</summary>
internal static class ImageShape
{
    /// <summary>
    /// C·H·W and H·W of one image, each dimension at least 1. A product past the largest span is an
    /// <see cref="ArgumentException"/> naming the dimensions, not a wrapped product: 16·2^30·2^30 wraps a long to 0.
    /// </summary>
    public static (int Image, int Plane) Sizes(int channels, int height, int width, string channelsName)
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
}
