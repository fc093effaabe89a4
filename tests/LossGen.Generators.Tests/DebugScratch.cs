using System.IO;
using System.Linq;
using LossGen.Generators.Tests.Infrastructure;
namespace LossGen.Generators.Tests;
public class DebugScratch
{
    [Fact]
    public void Dump()
    {
        var src = GeneratorHarness.Usings + "namespace Gen;\npublic static partial class L\n{\n [Loss] public static double Sq(double x, [Target] double y) => (x - y) * (x - y);\n}\n";
        var r = GeneratorHarness.Run(src);
        File.WriteAllText("/tmp/dump.txt", string.Join("\n", r.Problems()) + "\n---\n" + string.Join("\n", r.Input.GetDiagnostics()) + "\n---\n" + string.Join("\n====\n", r.Sources.Select(kv => kv.Key + "\n" + kv.Value)));
        Assert.True(true);
    }
}
