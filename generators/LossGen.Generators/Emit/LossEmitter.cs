using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LossGen.Generators.Diagnostics;
using LossGen.Generators.Ir;
using LossGen.Generators.Model;
using LossGen.Generators.Parsing;
using LossGen.Kernels;
using Microsoft.CodeAnalysis;

namespace LossGen.Generators.Emit;

/// <summary>
/// Writes one [Loss] method's generated file: the public span overloads in the user's partial type,
/// and a file-local kernel struct holding the formula and its derivative, written once for every
/// vector width. The loops live in <c>LossGen.Kernels.ElementwiseEngine</c>, not here.
/// </summary>
internal static class LossEmitter
{
    /// <summary>The attribute on every generated type and method, with the generator's own version (the package's).</summary>
    internal static readonly string GeneratedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"LossGen\", \"{typeof(LossEmitter).Assembly.GetName().Version!.ToString(3)}\")]";
    /// <summary>The runtime's namespace for generated code, as generated code names it.</summary>
    internal const string KernelsNamespace = "global::LossGen.Kernels";
    private const string Engine = KernelsNamespace + ".ElementwiseEngine";
    internal const string Span = "global::System.Span";
    internal const string ReadOnlySpan = "global::System.ReadOnlySpan";
    internal const string ReductionType = "global::LossGen.Reduction";

    internal static readonly (int Flag, string Type, string Kernel)[] s_elementTypes =
    {
        (KernelContract.SingleFlag, "float", "float"),
        (KernelContract.DoubleFlag, "double", "double"),
        (KernelContract.HalfFlag, "global::System.Half", "float"),
    };

    /// <summary>
    /// The file name: the loss's full name, then a hash of it as written. Hint names must be unique ignoring case (the
    /// output may land on a case-insensitive file system), and names that differ only in case (F and f, namespaces N
    /// and n) or in where the dots fall (namespace N.C, class D against class C nesting D) must not meet.
    /// </summary>
    public static string HintName(LossSpec spec)
    {
        string identity = (spec.Namespace ?? "") + "/" + string.Join("+", spec.ContainingTypes.Select(t => t.Name)) + "/" + spec.MethodName;
        uint hash = 2166136261; // FNV-1a: stable across runs and platforms, unlike string.GetHashCode
        foreach (char c in identity)
        {
            hash = (hash ^ c) * 16777619;
        }

        string name = string.Join(".", new[] { spec.Namespace ?? "" }.Concat(spec.ContainingTypes.Select(t => t.Name)).Append(spec.MethodName).Where(s => s.Length > 0));
        // The namespace's display string escapes keywords, and '@' is not allowed in a hint name.
        return name.Replace("@", "") + "." + hash.ToString("x8", CultureInfo.InvariantCulture) + ".g.cs";
    }

    /// <summary>
    /// A parsed loss whose row formula needs more than the row kernel's fixed state holds becomes an LG0017 at the
    /// method instead of code that cannot compile; other results pass through.
    /// </summary>
    public static ParseResult CheckLimits(ParseResult parsed, Location at)
    {
        if (parsed.Spec is not { } spec || !spec.Parameters.Any(p => p.Shape != ParameterShape.Element))
        {
            return parsed;
        }

        string? excess = KernelPlan.AllVariants(spec, withNames: false).Select(plan => new RowSchedule(plan).Excess()).FirstOrDefault(e => e is not null);
        return excess is null
            ? parsed
            : new ParseResult(null, new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.RowFormulaTooLarge, at, spec.MethodName, excess,
                    RowSchedule.MaxPasses.ToString(CultureInfo.InvariantCulture), RowSchedule.FirstDerivedSlot.ToString(CultureInfo.InvariantCulture),
                    RowSchedule.MaxSlots.ToString(CultureInfo.InvariantCulture)),
            }.ToEquatableArray());
    }

    public static string Emit(LossSpec spec)
    {
        KernelPlan plan = KernelPlan.Create(spec);
        var w = new CodeWriter();
        WriteFileHeader(w, spec.ContainingTypes);
        using (w.Blocks(NamespaceHeader(spec.Namespace)))
        {
            using (w.Blocks(TypeHeaders(spec.ContainingTypes)))
            {
                WriteOverloads(w, plan);
            }

            foreach (KernelPlan kernel in KernelPlan.AllVariants(spec))
            {
                w.BlankLine();
                if (kernel.IsRowFormula)
                {
                    RowKernelEmitter.WriteKernel(w, kernel);
                }
                else
                {
                    WriteKernel(w, kernel);
                }
            }
        }

        return w.ToString();
    }

    /// <summary>The public overloads, in the user's type: for each element type the loss has, its four forms.</summary>
    private static void WriteOverloads(CodeWriter w, KernelPlan plan)
    {
        bool first = true;
        foreach ((int flag, string type, string kernelType) in s_elementTypes)
        {
            if ((plan.Spec.ElementTypes & flag) == 0)
            {
                continue;
            }

            if (!first)
            {
                w.BlankLine();
            }

            first = false;
            if (plan.IsRowFormula)
            {
                RowKernelEmitter.WriteOverloads(w, plan, type, kernelType);
                continue;
            }

            WriteReduce(w, plan, type, kernelType);
            w.BlankLine();
            WriteWithGradient(w, plan, type, kernelType);
            w.BlankLine();
            if (plan.Inputs.Count() < KernelContract.MaxInputs)
            {
                // The weights take the kernel's next input slot: a formula with four inputs has none left.
                WriteWeighted(w, plan, type, kernelType);
                w.BlankLine();
                WriteWeightedWithGradient(w, plan, type, kernelType);
                w.BlankLine();
            }

            WriteElementwise(w, plan, type, kernelType);
            w.BlankLine();
            WriteElementwiseWithGradient(w, plan, type, kernelType);
        }
    }

    /// <summary>A generated file's first lines: what the span overloads' and the tensor forms' files share.</summary>
    internal static void WriteFileHeader(CodeWriter w, EquatableArray<ContainingType> types)
    {
        w.WriteLine("// <auto-generated/>");
        w.WriteLine("#nullable enable");
        if (types.Any(t => t.Name.All(c => c is >= 'a' and <= 'z')))
        {
            // Reopening the user's lower-case type repeats the warning they already get at its declaration.
            w.WriteLine("#pragma warning disable CS8981");
        }

        w.BlankLine();
    }

    /// <summary>The namespace declaration's header, if the loss has a namespace.</summary>
    internal static IEnumerable<string> NamespaceHeader(string? ns) => ns is null ? [] : [$"namespace {ns}"];

    /// <summary>The headers that reopen the user's containing types, outermost first.</summary>
    internal static IEnumerable<string> TypeHeaders(EquatableArray<ContainingType> types)
        => types.Select(type => $"partial {type.Keyword} {Identifier(type.Name)}");

    private static void WriteReduce(CodeWriter w, KernelPlan plan, string type, string kernelType)
    {
        LossSpec spec = plan.Spec;
        WriteSummary(w, plan, type, "reduced by <paramref name=\"reduction\"/>");
        WriteInputParams(w, plan);
        WriteHyperParams(w, plan);
        w.WriteLine("/// <param name=\"reduction\">How the per-element losses are combined: <see cref=\"global::LossGen.Reduction.Mean\"/> (NaN for empty input) or <see cref=\"global::LossGen.Reduction.Sum\"/>.</param>");
        w.WriteLine("/// <returns>The reduced loss.</returns>");
        WriteRemarks(w, plan, withDerivative: false);
        w.WriteLine(GeneratedCode);
        string parameters = string.Join(", ", InputParameters(plan, type).Concat(HyperParameters(plan)).Append($"{ReductionType} reduction = {ReductionType}.Mean"));
        w.WriteLine($"{spec.Accessibility} static {type} {Identifier(spec.MethodName)}({parameters})");
        WriteBody(w, plan, type, kernel => $"{Engine}.{(type == kernelType ? $"Reduce<{type}, {kernel}>" : $"ReduceHalf<{kernel}>")}({NewKernel(plan, kernel)}, {PaddedInputs(plan)}, reduction)", kernelType, returns: true);
    }

    private static void WriteWithGradient(CodeWriter w, KernelPlan plan, string type, string kernelType)
    {
        LossSpec spec = plan.Spec;
        WriteSummary(w, plan, type, "reduced by <paramref name=\"reduction\"/>, and its gradient, in one pass over memory");
        WriteInputParams(w, plan);
        foreach (LossParameter p in plan.DifferentiableInputs)
        {
            w.WriteLine($"/// <param name=\"{GeneratedNames.Gradient(p.Name)}\">Receives the gradient of the reduced loss with respect to <paramref name=\"{p.Name}\"/> (divided by the count for the mean).</param>");
        }

        WriteHyperParams(w, plan);
        w.WriteLine("/// <param name=\"reduction\">How the per-element losses are combined: <see cref=\"global::LossGen.Reduction.Mean\"/> (NaN for empty input) or <see cref=\"global::LossGen.Reduction.Sum\"/>.</param>");
        w.WriteLine("/// <returns>The reduced loss.</returns>");
        WriteRemarks(w, plan, withDerivative: true);
        w.WriteLine(GeneratedCode);
        IEnumerable<string> gradients = plan.DifferentiableInputs.Select(p => $"{Span}<{type}> {GeneratedNames.Gradient(p.Name)}");
        string parameters = string.Join(", ", InputParameters(plan, type).Concat(gradients).Concat(HyperParameters(plan)).Append($"{ReductionType} reduction = {ReductionType}.Mean"));
        w.WriteLine($"{spec.Accessibility} static {type} {GeneratedNames.WithGradient(spec.MethodName)}({parameters})");
        string gradientArguments = GradientArguments(plan);
        WriteBody(w, plan, type, kernel => $"{Engine}.{(type == kernelType ? $"ReduceWithGradient<{type}, {kernel}>" : $"ReduceWithGradientHalf<{kernel}>")}({NewKernel(plan, kernel)}, {PaddedInputs(plan)}, {gradientArguments}, reduction)", kernelType, returns: true);
    }

    private static void WriteWeighted(CodeWriter w, KernelPlan plan, string type, string kernelType)
    {
        LossSpec spec = plan.Spec;
        WriteSummary(w, plan, type, "of each element times its sample weight, reduced by <paramref name=\"reduction\"/>");
        WriteInputParams(w, plan);
        w.WriteLine($"/// <param name=\"{GeneratedNames.SampleWeights}\">{SampleWeightsDoc("element")}</param>");
        WriteHyperParams(w, plan);
        w.WriteLine($"/// <param name=\"reduction\">{WeightedReductionDoc}</param>");
        w.WriteLine("/// <returns>The reduced weighted loss.</returns>");
        WriteRemarks(w, plan, withDerivative: false);
        w.WriteLine(GeneratedCode);
        string parameters = string.Join(", ", InputParameters(plan, type).Append($"{ReadOnlySpan}<{type}> {GeneratedNames.SampleWeights}").Concat(HyperParameters(plan)).Append(WeightedReductionParameter));
        w.WriteLine($"{spec.Accessibility} static {type} {Identifier(spec.MethodName)}({parameters})");
        WriteBody(w, plan, type, kernel => $"{Engine}.{(type == kernelType ? $"ReduceWeighted<{type}, {kernel}>" : $"ReduceWeightedHalf<{kernel}>")}({NewKernel(plan, kernel)}, {WeightedInputs(plan)}, reduction)", kernelType, returns: true);
    }

    private static void WriteWeightedWithGradient(CodeWriter w, KernelPlan plan, string type, string kernelType)
    {
        LossSpec spec = plan.Spec;
        WriteSummary(w, plan, type, "of each element times its sample weight, reduced by <paramref name=\"reduction\"/>, and its gradient, in one pass over memory");
        WriteInputParams(w, plan);
        w.WriteLine($"/// <param name=\"{GeneratedNames.SampleWeights}\">{SampleWeightsDoc("element")}</param>");
        foreach (LossParameter p in plan.DifferentiableInputs)
        {
            w.WriteLine($"/// <param name=\"{GeneratedNames.Gradient(p.Name)}\">Receives the gradient of the reduced weighted loss with respect to <paramref name=\"{p.Name}\"/>: each element's derivative times its weight, divided as the loss is.</param>");
        }

        WriteHyperParams(w, plan);
        w.WriteLine($"/// <param name=\"reduction\">{WeightedReductionDoc}</param>");
        w.WriteLine("/// <returns>The reduced weighted loss.</returns>");
        WriteRemarks(w, plan, withDerivative: false);
        w.WriteLine(GeneratedCode);
        IEnumerable<string> gradients = plan.DifferentiableInputs.Select(p => $"{Span}<{type}> {GeneratedNames.Gradient(p.Name)}");
        string parameters = string.Join(", ", InputParameters(plan, type).Append($"{ReadOnlySpan}<{type}> {GeneratedNames.SampleWeights}").Concat(gradients).Concat(HyperParameters(plan)).Append(WeightedReductionParameter));
        w.WriteLine($"{spec.Accessibility} static {type} {GeneratedNames.WithGradient(spec.MethodName)}({parameters})");
        string gradientArguments = string.Join(", ", plan.DifferentiableInputs.Select(p => GeneratedNames.Gradient(p.Name)).Concat(Enumerable.Repeat("default", 3 - plan.DifferentiableInputs.Count())));
        WriteBody(w, plan, type, kernel => $"{Engine}.{(type == kernelType ? $"ReduceWeightedWithGradient<{type}, {kernel}>" : $"ReduceWeightedWithGradientHalf<{kernel}>")}({NewKernel(plan, kernel)}, {WeightedInputs(plan)}, {gradientArguments}, reduction)", kernelType, returns: true);
    }

    /// <summary>The sample-weighted overloads' reduction parameter.</summary>
    internal const string WeightedReductionParameter = "global::LossGen.WeightedReduction reduction = global::LossGen.WeightedReduction.Mean";

    internal const string WeightedReductionDoc = "How the weighted losses are combined: <see cref=\"global::LossGen.WeightedReduction.Mean\"/> (Σ wℓ / Σ w, as PyTorch weighs), "
        + "<see cref=\"global::LossGen.WeightedReduction.SumOverBatchSize\"/> (Σ wℓ / n, Keras's default with <c>sample_weight</c>) or <see cref=\"global::LossGen.WeightedReduction.Sum\"/>.";

    /// <summary>The sample weights' doc, for an element or a row.</summary>
    internal static string SampleWeightsDoc(string unit)
        => $"One weight per {unit}, which multiplies its loss and its gradients (weights of 1 give the unweighted overload's bits).";

    /// <summary>The first three inputs, padded, then the weights: the engine puts them in the slot after the kernel's own.</summary>
    private static string WeightedInputs(KernelPlan plan)
        => string.Join(", ", plan.Inputs.Select(p => p.Name).Concat(Enumerable.Repeat("default", 3 - plan.Inputs.Count())).Append(GeneratedNames.SampleWeights));

    private static void WriteElementwise(CodeWriter w, KernelPlan plan, string type, string kernelType)
    {
        LossSpec spec = plan.Spec;
        WriteSummary(w, plan, type, "of each element, unreduced");
        WriteInputParams(w, plan);
        w.WriteLine("/// <param name=\"losses\">Receives the loss of each element; the same length as the inputs.</param>");
        WriteHyperParams(w, plan);
        WriteRemarks(w, plan, withDerivative: false);
        w.WriteLine(GeneratedCode);
        string parameters = string.Join(", ", InputParameters(plan, type).Append($"{Span}<{type}> {GeneratedNames.Losses}").Concat(HyperParameters(plan)));
        w.WriteLine($"{spec.Accessibility} static void {GeneratedNames.Elementwise(spec.MethodName)}({parameters})");
        WriteBody(w, plan, type, kernel => $"{Engine}.{(type == kernelType ? $"Map<{type}, {kernel}>" : $"MapHalf<{kernel}>")}({NewKernel(plan, kernel)}, {PaddedInputs(plan)}, losses)", kernelType, returns: false);
    }

    private static void WriteElementwiseWithGradient(CodeWriter w, KernelPlan plan, string type, string kernelType)
    {
        LossSpec spec = plan.Spec;
        WriteSummary(w, plan, type, "of each element and its gradient, unreduced, in one pass over memory");
        WriteInputParams(w, plan);
        w.WriteLine("/// <param name=\"losses\">Receives the loss of each element; the same length as the inputs.</param>");
        foreach (LossParameter p in plan.DifferentiableInputs)
        {
            w.WriteLine($"/// <param name=\"{GeneratedNames.Gradient(p.Name)}\">Receives the derivative of each element's loss with respect to that element of <paramref name=\"{p.Name}\"/> (not divided by the count).</param>");
        }

        WriteHyperParams(w, plan);
        WriteRemarks(w, plan, withDerivative: false);
        w.WriteLine(GeneratedCode);
        IEnumerable<string> gradients = plan.DifferentiableInputs.Select(p => $"{Span}<{type}> {GeneratedNames.Gradient(p.Name)}");
        string parameters = string.Join(", ", InputParameters(plan, type).Append($"{Span}<{type}> {GeneratedNames.Losses}").Concat(gradients).Concat(HyperParameters(plan)));
        w.WriteLine($"{spec.Accessibility} static void {GeneratedNames.ElementwiseWithGradient(spec.MethodName)}({parameters})");
        string gradientArguments = GradientArguments(plan);
        WriteBody(w, plan, type, kernel => $"{Engine}.{(type == kernelType ? $"MapWithGradient<{type}, {kernel}>" : $"MapWithGradientHalf<{kernel}>")}({NewKernel(plan, kernel)}, {PaddedInputs(plan)}, losses, {gradientArguments})", kernelType, returns: false);
    }

    /// <summary>
    /// The body of a public overload: the engine call, after the run-time checks of any declared value domains
    /// (they throw, naming the index and the value, before the kernel writes anything). <paramref name="call"/> makes the
    /// call for a kernel type; with specialized flags, the flags pick the kernel of their values.
    /// </summary>
    internal static void WriteBody(CodeWriter w, KernelPlan plan, string type, Func<string, string> call, string kernelType, bool returns)
    {
        List<LossParameter> checkedInputs = plan.Inputs.Where(p => p.Domain is not null).ToList();
        List<LossParameter> checkedSettings = plan.Hypers.Where(p => p.Range is not null).ToList();
        if (checkedInputs.Count == 0 && checkedSettings.Count == 0 && !plan.IsSpecialized)
        {
            w.WriteLineIndented($"=> {call(KernelReference(plan, 0, kernelType))};");
            return;
        }

        using CodeWriter.Scope body = w.Block();
        foreach (LossParameter p in checkedSettings)
        {
            SettingRange r = p.Range!.Value;
            w.WriteLine($"{KernelsNamespace}.Domains.Setting({p.Name}, \"{p.Name}\", {LossParser.Literal(r.Min)}, {LossParser.Literal(r.Max)}, {(r.MinExclusive ? "true" : "false")}, \"{r.Rule}\");");
        }

        foreach (LossParameter p in checkedInputs)
        {
            w.WriteLine($"{KernelsNamespace}.Domains.{p.Domain!.Value.Written()}<{type}>({p.Name}, \"{p.Name}\");");
        }

        if (checkedInputs.Count + checkedSettings.Count > 0 && plan.IsSpecialized)
        {
            w.BlankLine();
        }

        // The flags' kernels from the last combination down; the one with every flag false runs when no condition holds.
        for (int variant = plan.VariantCount - 1; variant > 0; variant--)
        {
            w.WriteLine($"if ({plan.VariantCondition(variant)})");
            using (w.Block())
            {
                w.WriteLine($"{(returns ? "return " : "")}{call(KernelReference(plan, variant, kernelType))};");
                if (!returns)
                {
                    w.WriteLine("return;");
                }
            }

            w.BlankLine();
        }

        w.WriteLine($"{(returns ? "return " : "")}{call(KernelReference(plan, 0, kernelType))};");
    }

    internal static void WriteSummary(CodeWriter w, KernelPlan plan, string type, string what)
    {
        string name = plan.Spec.Summary ?? $"The <c>{plan.Spec.MethodName}</c> loss.";
        string element = $"<see cref=\"{type}\"/>";
        string computed = type == "global::System.Half" ? " (computed in float)" : "";
        w.WriteLine($"/// <summary>{name} Over spans of {element}{computed}: the loss {what}.</summary>");
    }

    /// <summary>The inputs' docs: the user's own <c>&lt;param&gt;</c> text where the formula has one.</summary>
    private static void WriteInputParams(CodeWriter w, KernelPlan plan)
    {
        foreach (LossParameter p in plan.Inputs)
        {
            string role = p.Role == ParameterRole.Target ? "Per-element target (no gradient)." : "Per-element input.";
            w.WriteLine($"/// <param name=\"{p.Name}\">{p.Doc ?? role}</param>");
        }
    }

    /// <summary>The settings' docs, after the spans as in every signature; the user's own text where there is one.</summary>
    internal static void WriteHyperParams(CodeWriter w, KernelPlan plan)
    {
        foreach (LossParameter p in plan.Hypers)
        {
            w.WriteLine($"/// <param name=\"{p.Name}\">{p.Doc ?? $"Hyperparameter <c>{p.Name}</c> of the formula."}</param>");
        }
    }

    /// <summary>The formula; on the gradient methods, also the derivative program (once per element type is enough).</summary>
    private static void WriteRemarks(CodeWriter w, KernelPlan plan, bool withDerivative)
    {
        w.WriteLine("/// <remarks>");
        w.WriteLine($"/// <para>Formula for one element: <c>{Xml(plan.Spec.Formula.Text)}</c></para>");
        if (!withDerivative)
        {
            w.WriteLine($"/// <para>The generated forward and backward program is shown on <c>{plan.Spec.MethodName}WithGradient</c>.</para>");
            w.WriteLine("/// </remarks>");
            w.WriteLine("/// <exception cref=\"global::System.ArgumentException\">The spans' lengths differ.</exception>");
            WriteSettingExceptions(w, plan);
            return;
        }

        WriteFlagsRemark(w, plan);
        w.WriteLine("/// <para>Forward and backward pass of one element, as generated (both branches of a select are");
        w.WriteLine("/// computed and the one taken is kept; a costly branch only for vectors where some element takes it):</para>");
        w.WriteLine("/// <code>");
        foreach (int id in plan.Statements(plan.Gradients.Append(plan.Loss).ToArray()))
        {
            w.WriteLine($"/// {plan.Name(id)} = {Xml(Infix(plan, id))}");
        }

        w.WriteLine($"/// loss = {Xml(Operand(plan, plan.Loss, infix: true))}");
        int k = 0;
        foreach (LossParameter p in plan.DifferentiableInputs)
        {
            w.WriteLine($"/// ∂loss/∂{p.Name} = {Xml(Operand(plan, plan.Gradients[k++], infix: true))}");
        }

        w.WriteLine("/// </code>");
        w.WriteLine("/// </remarks>");
        WriteExceptions(w, plan);
    }

    /// <summary>On a specialized formula's program: which kernel the program shown is, and why there are several.</summary>
    internal static void WriteFlagsRemark(CodeWriter w, KernelPlan plan)
    {
        if (!plan.IsSpecialized)
        {
            return;
        }

        string flags = string.Join(" and ", plan.Flags.Select(p => $"<paramref name=\"{p.Name}\"/>"));
        w.WriteLine($"/// <para>Each value of {flags} has its own kernel, in which the flag is a constant and the branch it rules out");
        w.WriteLine($"/// is not computed; the program below is the one{FlagsNote(plan)}.</para>");
    }

    private static void WriteExceptions(CodeWriter w, KernelPlan plan)
    {
        w.WriteLine("/// <exception cref=\"global::System.ArgumentException\">The spans' lengths differ.</exception>");
        foreach (LossParameter p in plan.Inputs.Where(p => p.Domain is not null))
        {
            string domain = p.Domain switch
            {
                ValueDomain.PlusOrMinusOne => "is not exactly -1 or +1",
                ValueDomain.Probability => "is outside [0, 1]",
                _ => "is negative",
            };
            w.WriteLine($"/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A value of <paramref name=\"{p.Name}\"/> {domain} (or NaN).</exception>");
        }

        WriteSettingExceptions(w, plan);
    }

    /// <summary>The exception each declared setting range throws, for the overloads' docs.</summary>
    internal static void WriteSettingExceptions(CodeWriter w, KernelPlan plan)
    {
        foreach (LossParameter p in plan.Hypers.Where(p => p.Range is not null))
        {
            w.WriteLine($"/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"{p.Name}\"/> is NaN or outside its range: it {Xml(p.Range!.Value.Rule)}.</exception>");
        }
    }

    private static void WriteKernel(CodeWriter w, KernelPlan plan)
    {
        LossSpec spec = plan.Spec;
        string name = plan.KernelTypeName;
        string owner = string.Join(".", spec.ContainingTypes.Select(t => t.Name).Append(spec.MethodName));
        w.WriteLine($"/// <summary>The formula of <c>{owner}</c> and its derivative{FlagsNote(plan)}, written once for every vector width.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine($"file readonly struct {name}<T> : {KernelsNamespace}.IElementwiseKernel<T>");
        WriteElementConstraint(w);
        using CodeWriter.Scope typeBody = w.Block();
        List<int> settings = SettingValues(plan);
        WriteHyperFields(w, plan, name, settings);
        WriteSettingValues(w, plan, settings);

        List<LossParameter> inputs = plan.Inputs.ToList();
        List<LossParameter> differentiable = plan.DifferentiableInputs.ToList();
        w.WriteLine($"public static int InputCount => {inputs.Count};");
        w.BlankLine();
        w.WriteLine($"public static int GradientCount => {differentiable.Count};");
        w.BlankLine();
        w.WriteLine($"public static bool IsMemoryBound => {(plan.IsMemoryBound ? "true" : "false")};");
        w.BlankLine();
        w.WriteLine($"public static int StatementCount => {plan.StatementCount};");
        w.BlankLine();
        WriteNameSwitch(w, "InputName", inputs.Select(p => p.Name).ToList());
        w.BlankLine();
        WriteNameSwitch(w, "GradientName", differentiable.Select(p => GeneratedNames.Gradient(p.Name)).ToList());
        w.BlankLine();

        string inputParameters = string.Join(", ", Enumerable.Range(0, KernelContract.MaxInputs).Select(k => "TVec " + (k < inputs.Count ? plan.KernelName(inputs[k]) : "unused" + k)));
        w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.WriteLine($"public TVec Loss<TVec, TSimd>({inputParameters})");
        WriteConstraints(w);
        using (w.Block())
        {
            WriteStatements(w, plan, plan.Loss);
            w.WriteLine($"return {Operand(plan, plan.Loss, infix: false)};");
        }

        w.BlankLine();

        string outParameters = string.Join(", ", Enumerable.Range(0, KernelContract.MaxInputs).Select(k => "out TVec " + GradientOut(plan, differentiable, k)));
        w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.WriteLine($"public TVec LossAndGradient<TVec, TSimd>({inputParameters}, {outParameters})");
        WriteConstraints(w);
        using (w.Block())
        {
            WriteStatements(w, plan, plan.Gradients.Append(plan.Loss).ToArray());
            for (int k = 0; k < KernelContract.MaxInputs; k++)
            {
                string value = k < differentiable.Count ? Operand(plan, plan.Gradients[k], infix: false) : "default";
                w.WriteLine($"{GradientOut(plan, differentiable, k)} = {value};");
            }

            w.WriteLine($"return {Operand(plan, plan.Loss, infix: false)};");
        }
    }

    /// <summary>
    /// A kernel's hyperparameters: one field of T each, set by the constructor from the overloads' doubles; then the fields
    /// of <paramref name="settings"/>, the values computed from them alone, which the constructor computes once.
    /// </summary>
    internal static void WriteHyperFields(CodeWriter w, KernelPlan plan, string kernelName, IReadOnlyList<int>? settings = null)
    {
        List<LossParameter> hypers = plan.KernelHypers.ToList();
        settings ??= [];
        foreach (LossParameter p in hypers)
        {
            w.WriteLine($"private readonly T _{plan.KernelName(p)};");
        }

        foreach (int id in settings)
        {
            w.WriteLine($"private readonly T _{plan.Name(id)}; // {Infix(plan, id)}");
        }

        if (hypers.Count == 0)
        {
            return;
        }

        w.BlankLine();
        w.WriteLine($"public {kernelName}({string.Join(", ", hypers.Select(p => (p.IsFlag ? "bool " : "double ") + plan.KernelName(p)))})");
        using (w.Block())
        {
            foreach (LossParameter p in hypers)
            {
                string name = plan.KernelName(p);
                w.WriteLine(p.IsFlag ? $"_{name} = {name} ? T.One : T.Zero;" : $"_{name} = T.CreateTruncating({name});");
            }

            if (settings.Count > 0)
            {
                List<int> read = HypersOfSettings(plan, settings);
                string arguments = string.Join(", ", read.Select(id => "_" + plan.Name(id)).Concat(settings.Select(id => "out _" + plan.Name(id))));
                w.WriteLine($"ComputeSettings<{KernelsNamespace}.ScalarSimd<T>>({arguments});");
            }
        }

        w.BlankLine();
    }

    /// <summary>
    /// The values an elementwise kernel computes from its settings alone (see <see cref="KernelPlan.IsSettingOnly"/>) and
    /// reads per vector: those its statements read, or that it returns as they are.
    /// </summary>
    private static List<int> SettingValues(KernelPlan plan)
    {
        int[] outputs = plan.Gradients.Append(plan.Loss).ToArray();
        return plan.SettingValuesUsed(PerVectorStatements(plan, outputs), outputs);
    }

    /// <summary>The statements a kernel method computes per vector: all it needs but what depends on the settings alone.</summary>
    private static List<int> PerVectorStatements(KernelPlan plan, int[] outputs)
        => plan.Statements(outputs).Where(id => !plan.IsSettingOnly(id)).ToList();

    /// <summary>The hyperparameters the setting values are computed from.</summary>
    private static List<int> HypersOfSettings(KernelPlan plan, IReadOnlyList<int> settings)
        => plan.HypersUsed(plan.Statements(settings.ToArray()), settings.ToArray());

    /// <summary>
    /// The method that computes the setting values, once per call: in the one-lane SIMD operations, which round as every
    /// vector width does, so each value has the bits the kernel would have computed per vector.
    /// </summary>
    private static void WriteSettingValues(CodeWriter w, KernelPlan plan, List<int> settings)
    {
        if (settings.Count == 0)
        {
            return;
        }

        IEnumerable<string> parameters = HypersOfSettings(plan, settings).Select(id => "T " + plan.Name(id)).Concat(settings.Select(id => "out T " + plan.Name(id)));
        w.WriteLine("/// <summary>What the formula computes from its settings alone: once per call, in the kernel's fields, not once per vector.</summary>");
        w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]");
        w.WriteLine($"private static void ComputeSettings<TSimd>({string.Join(", ", parameters)})");
        WriteConstraints(w, $"TSimd : {KernelsNamespace}.ISimd<T, T>");
        using (w.Block())
        {
            foreach (int id in plan.Statements(settings.ToArray()))
            {
                string declaration = settings.Contains(id) ? "" : "T ";
                w.WriteLine($"{declaration}{plan.Name(id)} = {Call(plan, id, inlined: [], vector: "T")}; // {Infix(plan, id)}");
            }
        }

        w.BlankLine();
    }

    /// <summary>The element type's constraint, under a kernel struct's declaration.</summary>
    internal static void WriteElementConstraint(CodeWriter w) => WriteConstraints(w, "T : unmanaged, global::System.Numerics.IBinaryFloatingPointIeee754<T>");

    /// <summary>A generic declaration's constraints, one level in; by default a kernel method's vector and SIMD types.</summary>
    internal static void WriteConstraints(CodeWriter w, params string[] constraints)
    {
        using (w.Indented())
        {
            foreach (string constraint in constraints.Length == 0 ? [VectorConstraint, $"TSimd : {KernelsNamespace}.ISimd<TVec, T>"] : constraints)
            {
                w.WriteLine("where " + constraint);
            }
        }
    }

    /// <summary>The vector type parameter's constraint.</summary>
    internal const string VectorConstraint = "TVec : struct";

    internal static void WriteNameSwitch(CodeWriter w, string method, List<string> names)
        => WriteSwitch(w, $"string {method}", "index", names.Select(name => $"\"{name}\"").ToList(), fallback: "\"\"");

    /// <summary>
    /// A static member that maps an index to one of <paramref name="values"/>, the last for every index past the others:
    /// one expression where all are the same (<paramref name="fallback"/> where there are none), a switch otherwise.
    /// </summary>
    internal static void WriteSwitch(CodeWriter w, string signature, string index, List<string> values, string fallback)
    {
        if (values.Distinct().Count() <= 1)
        {
            w.WriteLine($"public static {signature}(int {index}) => {(values.Count == 0 ? fallback : values[0])};");
            return;
        }

        w.WriteLine($"public static {signature}(int {index}) => {index} switch");
        using (w.Block(close: "};"))
        {
            for (int k = 0; k < values.Count - 1; k++)
            {
                w.WriteLine($"{k} => {values[k]},");
            }

            w.WriteLine($"_ => {values[values.Count - 1]},");
        }
    }

    private static void WriteStatements(CodeWriter w, KernelPlan plan, params int[] outputs)
    {
        // What depends on the settings alone was computed once, by the constructor: it is read like a setting.
        List<int> statements = PerVectorStatements(plan, outputs);
        List<int> hypers = plan.HypersUsed(statements, outputs);
        List<int> settings = plan.SettingValuesUsed(statements, outputs);
        foreach (int id in hypers.Concat(settings))
        {
            w.WriteLine($"TVec {plan.Name(id)} = TSimd.Create(_{plan.Name(id)});");
        }

        // A memory-bound kernel is a few operations per element: a branch per vector would cost more than an arm.
        List<SelectArm> arms = plan.IsMemoryBound ? [] : SelectArms.Find(plan.Graph, statements, outputs);
        var armOf = arms.SelectMany(a => a.Members.Select(id => (id, a))).ToDictionary(p => p.id, p => p.a);
        HashSet<int> inlined = InlinedTranscendentals(plan, statements, armOf);
        HashSet<int> folded = FoldedTemporaries(plan, statements, outputs, hypers.Count + settings.Count, [.. arms.SelectMany(a => a.Results.Append(a.Condition))]);
        var written = new HashSet<int>();
        var writtenArms = new HashSet<SelectArm>();
        foreach (int id in statements)
        {
            Write(id);
        }

        // Statement order, except that an arm is written whole, as one block, before its first reader; what the block
        // reads is written before it.
        void Write(int id)
        {
            if (plan.IsSettingOnly(id))
            {
                // Declared above, from its field.
                return;
            }

            if (folded.Contains(id))
            {
                // Written into its reader's expression, which reads its operands.
                WriteOperands(id);
            }
            else if (!armOf.TryGetValue(id, out SelectArm? arm))
            {
                if (written.Add(id))
                {
                    WriteOperands(id);
                    w.WriteLine($"TVec {plan.Name(id)} = {Call(plan, id, inlined, folded: folded)}; // {Infix(plan, id, folded)}");
                }
            }
            else if (writtenArms.Add(arm))
            {
                Write(arm.Condition);
                foreach (int member in arm.Members)
                {
                    WriteOperands(member);
                }

                WriteArm(w, plan, arm, inlined, folded);
            }
        }

        void WriteOperands(int id)
        {
            Node n = plan.Graph[id];
            for (int k = 0; k < n.Op.Arity(); k++)
            {
                int operand = n.Operand(k);
                if (!plan.Graph[operand].Op.IsLeaf() && !(armOf.TryGetValue(operand, out SelectArm? owner) && owner.Members.Contains(id)))
                {
                    Write(operand);
                }
            }
        }
    }

    /// <summary>
    /// An arm the vector may skip (see <see cref="SelectArms"/>): its results declared first, then its statements in a
    /// block that runs only when some lane takes the arm. A select reads the results only in those lanes.
    /// </summary>
    private static void WriteArm(CodeWriter w, KernelPlan plan, SelectArm arm, HashSet<int> inlined, HashSet<int> folded)
    {
        string condition = plan.Name(arm.Condition);
        string taken = arm.WhenTrue ? $"TSimd.AnyTrue({condition})" : $"TSimd.AnyTrue(TSimd.Not({condition}))";
        w.WriteLine($"// The arm where {(arm.WhenTrue ? "" : "!")}({Infix(plan, arm.Condition)}), skipped when no lane takes it.");
        foreach (int result in arm.Results)
        {
            w.WriteLine($"TVec {plan.Name(result)} = default;");
        }

        w.WriteLine($"if ({taken})");
        using (w.Block())
        {
            foreach (int id in arm.Members.Where(id => !folded.Contains(id)))
            {
                string declaration = arm.Results.Contains(id) ? "" : "TVec ";
                w.WriteLine($"{declaration}{plan.Name(id)} = {Call(plan, id, inlined, folded: folded)}; // {Infix(plan, id, folded)}");
            }
        }
    }

    /// <summary>
    /// How many exps, logs, log1ps, expm1s and tanhs an elementwise kernel inlines (the first ones, in statement order);
    /// the rest are calls. Inlined, BCE with logits (an exp and a log1p) ran 15% faster at 512 bits; the call, and the
    /// spills of every live vector around it, cost more than the body. Each inlined copy brings the JIT some 40 to 100
    /// locals, and past 512 in one method it inlines nothing more: every operation left, down to each Add, becomes a
    /// call (8x slower). With every one inlined, the focal loss (six) and the Poisson loss with its Stirling term (three)
    /// ran out.
    /// </summary>
    private const int MaxInlinedTranscendentals = 2;

    /// <summary>
    /// The longest kernel that inlines two; a longer one inlines only a lone exp, the smallest of them, as every kernel did
    /// before. The JIT check compiles a formula of exactly this many statements (with its gradient) in float and double.
    /// </summary>
    private const int MaxStatementsInliningTwo = 60;

    /// <summary>
    /// The transcendental statements to be written as the ISimd ...Inlined twins: the first
    /// <see cref="MaxInlinedTranscendentals"/>, those outside skippable arms first (one fewer beside a Pow), or in a long
    /// kernel a lone exp. Where there are more than places, of two arms of one condition only the first to come takes one:
    /// a vector runs one of them as a rule, and inlining both spent the JIT's budget on code that seldom runs (Poisson
    /// with its Stirling term, in double at 256 and 128 bits, called every operation with both arms' exps inlined). Where
    /// all fit, all are inlined: a call even on a path no vector takes makes the JIT keep the loop's vectors on the stack
    /// (Poisson at 512 bits, 27 µs with both exps inlined, 30–70 µs with the rare arm's a call).
    /// </summary>
    private static HashSet<int> InlinedTranscendentals(KernelPlan plan, IReadOnlyList<int> statements, IReadOnlyDictionary<int, SelectArm> armOf)
    {
        if (statements.Count > MaxStatementsInliningTwo)
        {
            return statements.Count(id => plan.Graph[id].Op == Op.Exp) == 1 ? [statements.Single(id => plan.Graph[id].Op == Op.Exp)] : [];
        }

        // Pow takes one place: its special exponents and zero rules are inlined (a double focal loss ran out with both).
        int limit = MaxInlinedTranscendentals - (statements.Any(id => plan.Graph[id].Op == Op.Pow) ? 1 : 0);
        // Functions every vector runs come first; those of skippable arms take the places left, in statement order.
        List<int> candidates = [.. statements.Where(id => plan.Graph[id].Op.HasInlinedTwin()).OrderBy(armOf.ContainsKey)];
        if (candidates.Count <= limit)
        {
            return [.. candidates];
        }

        var inlined = new HashSet<int>();
        var conditionsTaken = new Dictionary<int, bool>();
        foreach (int id in candidates)
        {
            if (inlined.Count == limit)
            {
                break;
            }

            if (armOf.TryGetValue(id, out SelectArm? arm))
            {
                if (conditionsTaken.TryGetValue(arm.Condition, out bool side) && side != arm.WhenTrue)
                {
                    continue;
                }

                conditionsTaken[arm.Condition] = arm.WhenTrue;
            }

            inlined.Add(id);
        }

        return inlined;
    }

    /// <summary>
    /// The JIT inlines no method with more than 32 locals, and a kernel it does not inline is a call per vector (log-cosh
    /// and focal loss with their gradients were, at every width). Past that many, the temporaries used once are written
    /// into the expression that uses them, which needs no local: as many as it takes, the rest as before.
    /// </summary>
    private static HashSet<int> FoldedTemporaries(KernelPlan plan, List<int> statements, int[] outputs, int hypers, HashSet<int> kept)
    {
        const int MaxInlinedLocals = 32;
        if (statements.Count + hypers <= MaxInlinedLocals)
        {
            return [];
        }

        var uses = new Dictionary<int, int>();
        foreach (int operand in statements.SelectMany(id => Enumerable.Range(0, plan.Graph[id].Op.Arity()).Select(k => plan.Graph[id].Operand(k))))
        {
            uses[operand] = uses.TryGetValue(operand, out int count) ? count + 1 : 1;
        }

        // Only as many as it takes, first to last (the first are nearest the inputs, so the expressions stay short).
        int excess = statements.Count + hypers - MaxInlinedLocals;
        // An arm's results are assigned in its block and read after it, and its condition is read twice: they stay locals.
        return [.. statements.Where(id => uses.TryGetValue(id, out int count) && count == 1 && !outputs.Contains(id) && !kept.Contains(id)).Take(excess)];
    }

    /// <summary>The call that computes node <paramref name="id"/> in <paramref name="vector"/>s (<c>T</c> between a row's passes).</summary>
    internal static string Call(KernelPlan plan, int id, IReadOnlyCollection<int> inlined, string vector = "TVec", IReadOnlyCollection<int>? folded = null)
    {
        Node n = plan.Graph[id];
        string method = n.Op switch
        {
            Op.Pow => $"{KernelsNamespace}.SimdFunctions.Pow<{vector}, T, TSimd>",
            _ => "TSimd." + (n.Op.SimdMethod() ?? throw new InvalidOperationException($"{n.Op} is not written as a call.")) + (inlined.Contains(id) ? "Inlined" : ""),
        };
        return $"{method}({string.Join(", ", Enumerable.Range(0, n.Op.Arity()).Select(k => Operand(plan, n.Operand(k), infix: false, folded, inlined, vector)))})";
    }

    /// <summary>An operand by name, or as a literal; a folded temporary (see <see cref="FoldedTemporaries"/>) as its own expression.</summary>
    internal static string Operand(KernelPlan plan, int id, bool infix, IReadOnlyCollection<int>? folded = null, IReadOnlyCollection<int>? inlined = null, string vector = "TVec")
    {
        Node n = plan.Graph[id];
        if (n.IsConstant || n.Op == Op.Epsilon)
        {
            return !infix ? $"TSimd.Constant({ConstantValue(plan, id)})" : n.IsConstant ? ConstantValue(plan, id) : "Epsilon";
        }

        if (folded is not null && folded.Contains(id))
        {
            return !infix ? Call(plan, id, inlined ?? [], vector, folded) : IsOperator(n.Op) ? $"({Infix(plan, id, folded)})" : Infix(plan, id, folded);
        }

        return plan.Name(id);
    }

    /// <summary>A constant's value as a C# expression of type double: its literal, or the element type's epsilon.</summary>
    internal static string ConstantValue(KernelPlan plan, int id)
        => plan.Graph[id].Op == Op.Epsilon
            ? $"typeof(T) == typeof(double) ? {LossParser.Literal(KernelContract.EpsilonDouble)} : {LossParser.Literal(KernelContract.EpsilonSingle)}"
            : LossParser.Literal(plan.Graph[id].Value);

    /// <summary>Whether <see cref="Infix"/> writes the op as an operator, which needs parentheses inside another expression.</summary>
    private static bool IsOperator(Op op) => op is Op.Add or Op.Subtract or Op.Multiply or Op.Divide or Op.Negate or Op.LessThan or Op.LessThanOrEqual
        or Op.GreaterThan or Op.GreaterThanOrEqual or Op.Equal or Op.NotEqual or Op.And or Op.Or or Op.Not or Op.Select;

    /// <summary>One node in the notation of the formula, its operands by name (folded ones written out).</summary>
    internal static string Infix(KernelPlan plan, int id, IReadOnlyCollection<int>? folded = null)
    {
        Node n = plan.Graph[id];
        string A() => Operand(plan, n.A, infix: true, folded);
        string B() => Operand(plan, n.B, infix: true, folded);

        // A function's argument needs no parentheses of its own.
        string Argument(int operand) => folded is not null && folded.Contains(operand) ? Infix(plan, operand, folded) : Operand(plan, operand, infix: true);
        return n.Op switch
        {
            Op.Add => $"{A()} + {B()}",
            Op.Subtract => $"{A()} - {B()}",
            Op.Multiply => $"{A()} * {B()}",
            Op.Divide => $"{A()} / {B()}",
            Op.Negate => $"-{A()}",
            Op.LessThan => $"{A()} < {B()}",
            Op.LessThanOrEqual => $"{A()} <= {B()}",
            Op.GreaterThan => $"{A()} > {B()}",
            Op.GreaterThanOrEqual => $"{A()} >= {B()}",
            Op.Equal => $"{A()} == {B()}",
            Op.NotEqual => $"{A()} != {B()}",
            Op.And => $"{A()} && {B()}",
            Op.Or => $"{A()} || {B()}",
            Op.Not => $"!{A()}",
            Op.Select => $"{A()} ? {B()} : {Operand(plan, n.C, infix: true, folded)}",
            Op.Gather => $"{plan.OfShape(ParameterShape.Row).Single(p => p.Index == n.Index).Name}[{A()}]",
            Op.ReduceSum => $"Sum({Argument(n.A)})",
            Op.ReduceMax => $"Max({Argument(n.A)})",
            Op.ReduceMin => $"Min({Argument(n.A)})",
            Op.Log1pOnUnitInterval => $"Log1p({Argument(n.A)})",
            _ when n.Op.Arity() == 1 => $"{n.Op}({Argument(n.A)})",
            _ => $"{n.Op}({Argument(n.A)}, {Argument(n.B)})",
        };
    }

    /// <summary>
    /// The file-local kernel type of flag values <paramref name="variant"/>, qualified from the global namespace so no user
    /// type of the same name can capture it.
    /// </summary>
    internal static string KernelReference(KernelPlan plan, int variant, string kernelType)
        => $"global::{(plan.Spec.Namespace is null ? "" : plan.Spec.Namespace + ".")}{plan.KernelTypeNameOf(variant)}<{kernelType}>";

    /// <summary>For a specialized kernel's summary: the flag values it was written for.</summary>
    internal static string FlagsNote(KernelPlan plan)
        => plan.IsSpecialized
            ? " for " + string.Join(" and ", plan.Flags.Select((p, k) => $"<c>{p.Name}</c> = {((plan.Variant >> k & 1) != 0 ? "true" : "false")}"))
            : "";

    /// <summary>The kernel method's out parameter for gradient <paramref name="k"/>, or the slot a loss does not use.</summary>
    internal static string GradientOut(KernelPlan plan, List<LossParameter> differentiable, int k)
        => k < differentiable.Count ? GeneratedNames.Gradient(plan.KernelName(differentiable[k])) : "unusedGradient" + k;

    /// <summary>The kernel <paramref name="kernel"/> constructed from the overload's settings (a specialized flag is in its type).</summary>
    internal static string NewKernel(KernelPlan plan, string kernel)
        => $"new {kernel}({string.Join(", ", plan.KernelHypers.Select(p => p.Name))})";

    /// <summary>The gradient spans as the engine takes them: one per differentiable input, the rest of the four slots default.</summary>
    private static string GradientArguments(KernelPlan plan)
        => string.Join(", ", plan.DifferentiableInputs.Select(p => GeneratedNames.Gradient(p.Name)).Concat(Enumerable.Repeat("default", 4 - plan.DifferentiableInputs.Count())));

    private static string PaddedInputs(KernelPlan plan)
        => string.Join(", ", plan.Inputs.Select(p => p.Name).Concat(Enumerable.Repeat("default", 4 - plan.Inputs.Count())));

    private static IEnumerable<string> InputParameters(KernelPlan plan, string type)
        => plan.Inputs.Select(p => $"{ReadOnlySpan}<{type}> {p.Name}");

    internal static IEnumerable<string> HyperParameters(KernelPlan plan)
        => plan.Hypers.Select(p => $"{(p.IsFlag ? "bool" : "double")} {p.Name}{(p.DefaultValue is null ? "" : " = " + p.DefaultValue)}");

    /// <summary>A name as C# source: symbol names come without the '@' a keyword needs (class @event).</summary>
    internal static string Identifier(string name) => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? name : "@" + name;

    internal static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
