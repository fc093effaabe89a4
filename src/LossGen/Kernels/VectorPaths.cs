namespace LossGen.Kernels;

/// <summary>
/// The widest vector path any engine may take, in bits (512, 256, 128, or 0 for scalar). One switch for the
/// elementwise, row, pixel-wise and total-variation engines, so a test lowers it once to reach every path;
/// every width gives the same bits, so this changes speed only.
/// </summary>
internal static class VectorPaths
{
    public static int MaxBits { get; set; } = 512;
}
