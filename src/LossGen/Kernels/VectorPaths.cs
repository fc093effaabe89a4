namespace LossGen.Kernels;

/// <summary>
/// What the engines' vector paths may use. <see cref="MaxBits"/> is the widest path any engine may take (512, 256,
/// 128, or 0 for scalar): one switch for the elementwise, row, pixel-wise, total-variation and CTC engines (CTC's
/// narrowest path is 128 bits), so a test lowers it once to reach every path; every width gives the same bits, so it
/// changes speed only.
/// </summary>
internal static class VectorPaths
{
    /// <summary>The widest path, in bits; tests lower it to reach the narrower paths.</summary>
    public static int MaxBits { get; set; } = 512;

    /// <summary>
    /// True when <see cref="ISimd{TVec, T}.MultiplyAdd"/> rounds once: the machine has fused multiply-add
    /// instructions for every width it vectorizes at (x64 FMA3, Arm64 AdvSIMD), so the scalar path, which fuses too,
    /// costs no more than an ordinary multiply and add. A constant when the JIT compiles a kernel. The vector
    /// MultiplyAdds test the same ISAs in place (see <see cref="Simd128{T}.MultiplyAdd"/>).
    /// </summary>
    public static bool Fused => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;
}
