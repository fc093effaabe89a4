using System.Linq;
using LossGen.Generators.Tests.Infrastructure;

namespace LossGen.Generators.Tests;

/// <summary>
/// The TorchSharp tensor forms are written only for a project that references LossGen.TorchSharp (found by its
/// TensorKernel type), with the span overloads' parameter names and order, tensors in place of spans.
/// </summary>
public sealed class TensorFormsTests
{
    private const string Loss = GeneratorHarness.Usings + """
        namespace N;

        public static partial class C
        {
            [Loss]
            public static double F(double x, [Target] double t, [Hyper, Positive] double scale = 2)
                => scale * Square(x - t);

            [Loss]
            public static double G(Row z, int label, [Hyper] bool centered = false)
                => LogSumExp(z) - z[label];

            // The tensor forms' kernel lives outside C and could not call private span overloads: none for this one.
            [Loss]
            private static double H(double x, [Target] double t) => Square(x - t);
        }
        """;

    // Stands for the bridge assembly: the generator looks for this type, nothing else.
    private const string Bridge = """
        namespace LossGen.TorchSharp { public abstract class TensorKernel { } }
        """;

    [Fact]
    public void Without_the_bridge_nothing_changes()
    {
        GeneratorResult result = GeneratorHarness.Run(Loss);
        Assert.Empty(result.Problems());
        Assert.DoesNotContain(result.HintNames, name => name.Contains(".Tensor."));
        Assert.Equal(3, result.HintNames.Count());
    }

    [Fact]
    public void With_the_bridge_each_loss_gets_tensor_overloads_named_as_its_span_overloads()
    {
        GeneratorResult result = GeneratorHarness.Run(Loss, Bridge);
        Assert.Empty(result.GeneratorDiagnostics);
        string[] tensorFiles = result.HintNames.Where(name => name.Contains(".Tensor.")).ToArray();
        Assert.Equal(2, tensorFiles.Length);
        Assert.All(result.Sources.Where(source => source.Key.Contains(".Tensor.")), source => GeneratedText.AssertNoTrailingWhitespace(source.Key, source.Value));
        string f = result.Sources["N.C.F.Tensor.g.cs"];
        Assert.Contains("public static global::TorchSharp.torch.Tensor F(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor t, double scale = 2.0, global::LossGen.Reduction reduction = global::LossGen.Reduction.Mean)", f);
        Assert.Contains("public static global::TorchSharp.torch.Tensor FElementwise(global::TorchSharp.torch.Tensor x, global::TorchSharp.torch.Tensor t, double scale = 2.0)", f);
        Assert.Contains("=> global::N.C.FWithGradient(spans.Values(0), spans.Values(1), spans.Gradient(0), _scale, reduction);", f);
        // Under autograd the per-element form takes the fused one-pass kernel, not the default's two passes.
        Assert.Contains("=> global::N.C.FElementwiseWithGradient(spans.Values(0), spans.Values(1), spans.Losses, spans.Gradient(0), _scale);", f);
        Assert.Contains("new(\"x\", global::LossGen.TorchSharp.TensorArgumentKind.Element, HasGradient: true),", f);
        string g = result.Sources["N.C.G.Tensor.g.cs"];
        Assert.Contains("G(global::TorchSharp.torch.Tensor z, global::TorchSharp.torch.Tensor label, bool centered = false, global::LossGen.Reduction reduction = global::LossGen.Reduction.Mean)", g);
        Assert.Contains("=> global::N.C.GElementwise(spans.Values(0), spans.Labels(1), spans.Losses, spans.RowLength, _centered);", g);
        Assert.Contains("=> global::N.C.GElementwiseWithGradient(spans.Values(0), spans.Labels(1), spans.Losses, spans.Gradient(0), spans.RowLength, _centered);", g);
        Assert.Contains("new(\"label\", global::LossGen.TorchSharp.TensorArgumentKind.Label, IsLabel: true),", g);
        Assert.DoesNotContain(" \n", f + g); // no trailing spaces
    }
}
