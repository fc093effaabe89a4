using System;
using System.Diagnostics;
using System.Globalization;

namespace LossGen.JitCheck;

/// <summary>
/// No arguments: runs the workload (see <see cref="Workload.Run"/>) and prints the vector width the engines took.
/// <c>parse ...</c>: checks a JIT disassembly file for calls inside loops (see <see cref="DisasmCheck.Run"/>).
/// <c>selftest</c>: the checker on small hand-written listings (see <see cref="SelfTest"/>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "parse")
        {
            return DisasmCheck.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "selftest")
        {
            return SelfTest.Run();
        }

        var clock = Stopwatch.StartNew();
        double sink = Workload.Run();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Workload.Describe()} rounds={Workload.Rounds} sink={sink:G6} elapsed={clock.Elapsed.TotalSeconds:F2}s"));
        return 0;
    }
}
