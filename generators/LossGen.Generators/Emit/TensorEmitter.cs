using System.Collections.Generic;
using System.Linq;
using LossGen.Generators.Model;

namespace LossGen.Generators.Emit;

/// <summary>
/// Writes the TorchSharp tensor forms of losses: for each loss F, <c>F(Tensor...)</c> (the reduced loss, differentiable by
/// autograd) and <c>FElementwise(Tensor...)</c> (PyTorch's <c>reduction='none'</c>), and a file-local
/// <c>TensorKernel</c> that hands LossGen.TorchSharp's runtime the span overloads for each element type.
/// </summary>
internal static class TensorEmitter
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string Runtime = "global::LossGen.TorchSharp";
    private const string ReductionType = LossEmitter.ReductionType;

    public static string Emit(TensorForms forms)
    {
        var w = new CodeWriter();
        LossEmitter.WriteFileHeader(w, forms.ContainingTypes);
        using (w.Blocks(LossEmitter.NamespaceHeader(forms.Namespace)))
        {
            using (w.Blocks(LossEmitter.TypeHeaders(forms.ContainingTypes)))
            {
                for (int i = 0; i < forms.Losses.Count; i++)
                {
                    if (i > 0)
                    {
                        w.BlankLine();
                    }

                    WriteOverloads(w, forms, forms.Losses[i]);
                }
            }

            foreach (TensorLoss loss in forms.Losses)
            {
                w.BlankLine();
                WriteKernel(w, forms, loss);
            }
        }

        return w.ToString();
    }

    private static void WriteOverloads(CodeWriter w, TensorForms forms, TensorLoss loss)
    {
        List<LossParameter> tensors = TensorParameters(loss);
        List<LossParameter> hypers = loss.Parameters.Where(p => p.Role == ParameterRole.Hyper).ToList();
        bool rows = IsRowLoss(loss);
        string tensorList = string.Join(", ", tensors.Select(p => $"{Tensor} {LossEmitter.Identifier(p.Name)}"));
        string hyperList = string.Concat(hypers.Select(p => $", {(p.IsFlag ? "bool" : "double")} {LossEmitter.Identifier(p.Name)}{(p.DefaultValue is null ? "" : " = " + p.DefaultValue)}"));
        string newKernel = $"new {KernelReference(forms, loss)}({string.Join(", ", hypers.Select(p => LossEmitter.Identifier(p.Name)))})";
        string arguments = string.Join(", ", tensors.Select(p => LossEmitter.Identifier(p.Name)));
        string span = $"<see cref=\"{LossEmitter.Xml(forms.Owner.Replace("global::", ""))}\"/>.{loss.MethodName}";

        string what = loss.Summary is null ? $"The <c>{loss.MethodName}</c> loss." : loss.Summary;
        w.WriteLine($"/// <summary>{what} Over tensors, reduced by <paramref name=\"reduction\"/>: a 0-dim tensor of the inputs' element type that autograd differentiates. The formula and its conventions are those of the span overloads, {span}.</summary>");
        WriteParameterDocs(w, tensors, hypers, rows);
        w.WriteLine("/// <param name=\"reduction\">Mean (over elements, or rows) or sum.</param>");
        w.WriteLine("/// <returns>The loss. One fused pass computes it and, when an input requires grad, its gradient, which <c>backward()</c> scales.</returns>");
        WriteExceptionDocs(w);
        w.WriteLine(LossEmitter.GeneratedCode);
        w.WriteLine($"{forms.Accessibility} static {Tensor} {LossEmitter.Identifier(loss.MethodName)}({tensorList}{hyperList}, {ReductionType} reduction = {ReductionType}.Mean)");
        w.WriteLineIndented($"=> {Runtime}.TensorLoss.Reduce({newKernel}, reduction, {arguments});");
        w.BlankLine();
        w.WriteLine($"/// <summary>{what} Over tensors, one loss per {(rows ? "row" : "element")} (PyTorch's <c>reduction='none'</c>), differentiable by autograd. The formula and its conventions are those of the span overloads, {span}.</summary>");
        WriteParameterDocs(w, tensors, hypers, rows);
        w.WriteLine($"/// <returns>The losses, shaped as the {(rows ? "rows' leading dimensions" : "inputs")}.</returns>");
        WriteExceptionDocs(w);
        w.WriteLine(LossEmitter.GeneratedCode);
        w.WriteLine($"{forms.Accessibility} static {Tensor} {GeneratedNames.Elementwise(loss.MethodName)}({tensorList}{hyperList})");
        w.WriteLineIndented($"=> {Runtime}.TensorLoss.Elementwise({newKernel}, {arguments});");
    }

    private static void WriteParameterDocs(CodeWriter w, List<LossParameter> tensors, List<LossParameter> hypers, bool rows)
    {
        foreach (LossParameter p in tensors)
        {
            string what = ArgumentKind(p) switch
            {
                "Label" => "One class index per row (int64, or int32), shaped as the rows' leading dimensions.",
                "RowValue" => "One value per row, shaped as the rows' leading dimensions.",
                "SharedRow" => "One row of settings shared by every row: shape <c>[rowLength]</c>.",
                "Row" => "Rows on the last dimension: <c>[..., rowLength]</c>.",
                _ => "A tensor of the inputs' shape.",
            };
            string gradient = p.Role == ParameterRole.Input ? " Its <c>.grad</c> is filled by <c>backward()</c> when it requires grad." : " No gradient flows into it.";
            w.WriteLine($"/// <param name=\"{p.Name}\">{what}{gradient}</param>");
        }

        foreach (LossParameter p in hypers)
        {
            w.WriteLine($"/// <param name=\"{p.Name}\">{p.Doc ?? "A setting, as in the span overloads."}</param>");
        }
    }

    private static void WriteExceptionDocs(CodeWriter w)
    {
        w.WriteLine("/// <exception cref=\"global::System.ArgumentException\">Shapes or element types do not match (no broadcasting), or a value is outside its domain; before anything is computed.</exception>");
        w.WriteLine("/// <exception cref=\"global::System.NotSupportedException\">A tensor is not on the CPU, or not float32, float64 or float16 (labels: int64 or int32).</exception>");
    }

    private static void WriteKernel(CodeWriter w, TensorForms forms, TensorLoss loss)
    {
        List<LossParameter> tensors = TensorParameters(loss);
        List<LossParameter> hypers = loss.Parameters.Where(p => p.Role == ParameterRole.Hyper).ToList();
        bool rows = IsRowLoss(loss);
        string name = KernelName(loss);
        w.WriteLine($"/// <summary>{loss.MethodName}'s span overloads, for LossGen.TorchSharp's runtime.</summary>");
        w.WriteLine(LossEmitter.GeneratedCode);
        w.WriteLine($"file sealed class {name} : {Runtime}.TensorKernel");
        using CodeWriter.Scope typeBody = w.Block();
        w.WriteLine($"private static readonly {Runtime}.TensorParameter[] s_parameters =");
        using (w.Block(open: "[", close: "];"))
        {
            foreach (LossParameter p in tensors)
            {
                string kind = ArgumentKind(p);
                string flags = (p.Role == ParameterRole.Input ? ", HasGradient: true" : "") + (p.Shape == ParameterShape.Label ? ", IsLabel: true" : "");
                w.WriteLine($"new(\"{p.Name}\", {Runtime}.TensorArgumentKind.{kind}{flags}),");
            }
        }

        foreach (LossParameter p in hypers)
        {
            w.BlankLine();
            w.WriteLine($"private readonly {(p.IsFlag ? "bool" : "double")} _{p.Name};");
        }

        w.BlankLine();
        string constructorParameters = string.Join(", ", hypers.Select(p => $"{(p.IsFlag ? "bool" : "double")} {LossEmitter.Identifier(p.Name)}"));
        w.WriteLine($"public {name}({constructorParameters})");
        w.WriteLineIndented($": base(\"{loss.MethodName}\", s_parameters)");
        using (w.Block())
        {
            foreach (LossParameter p in hypers)
            {
                w.WriteLine($"_{p.Name} = {LossEmitter.Identifier(p.Name)};");
            }
        }

        string owner = forms.Owner + "." + LossEmitter.Identifier(loss.MethodName);
        string inputs = string.Join(", ", tensors.Select((p, k) => p.Shape == ParameterShape.Label ? $"spans.Labels({k})" : $"spans.Values({k})"));
        string gradients = string.Concat(tensors.Select((p, k) => p.Role == ParameterRole.Input ? $", spans.Gradient({k})" : ""));
        string tail = (rows ? ", spans.RowLength" : "") + string.Concat(hypers.Select(p => ", _" + p.Name));
        foreach ((int flag, string type, string _) in LossEmitter.s_elementTypes)
        {
            if ((loss.ElementTypes & flag) == 0)
            {
                continue;
            }

            string spans = $"in {Runtime}.LossSpans<{type}> spans";
            w.BlankLine();
            w.WriteLine($"public override {type} Reduce({spans}, {ReductionType} reduction)");
            w.WriteLineIndented($"=> {owner}({inputs}{tail}, reduction);");
            w.BlankLine();
            w.WriteLine($"public override {type} ReduceWithGradient({spans}, {ReductionType} reduction)");
            w.WriteLineIndented($"=> {GeneratedNames.WithGradient(owner)}({inputs}{gradients}{tail}, reduction);");
            w.BlankLine();
            w.WriteLine($"public override void Elementwise({spans})");
            w.WriteLineIndented($"=> {GeneratedNames.Elementwise(owner)}({inputs}, spans.Losses{tail});");
            w.BlankLine();
            w.WriteLine($"public override void ElementwiseWithGradient({spans})");
            w.WriteLineIndented($"=> {GeneratedNames.ElementwiseWithGradient(owner)}({inputs}, spans.Losses{gradients}{tail});");
        }
    }

    /// <summary>The file name of a user's loss's tensor forms: its span overloads' name with ".Tensor" before the hash.</summary>
    public static string HintName(LossSpec spec)
    {
        string spans = LossEmitter.HintName(spec);
        return spans.Insert(spans.LastIndexOf('.', spans.Length - ".g.cs".Length - 1), ".Tensor");
    }

    /// <summary>The runtime's <c>TensorArgumentKind</c> of a tensor argument, by name.</summary>
    private static string ArgumentKind(LossParameter p) => p.Shape switch
    {
        ParameterShape.Label => "Label",
        ParameterShape.RowValue => "RowValue",
        ParameterShape.Row when p.Shared => "SharedRow",
        ParameterShape.Row => "Row",
        _ => "Element",
    };

    private static List<LossParameter> TensorParameters(TensorLoss loss) => loss.Parameters.Where(p => p.Role != ParameterRole.Hyper).ToList();

    private static bool IsRowLoss(TensorLoss loss) => loss.Parameters.Any(p => p.Shape != ParameterShape.Element);

    private static string KernelName(TensorLoss loss) => loss.MethodName + "TensorKernel";

    private static string KernelReference(TensorForms forms, TensorLoss loss)
        => $"global::{(forms.Namespace is null ? "" : forms.Namespace + ".")}{KernelName(loss)}";
}
