using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LossGen.Generators.Ir;
using LossGen.Generators.Model;
using LossGen.Kernels;
using static LossGen.Generators.Emit.LossEmitter;

namespace LossGen.Generators.Emit;

/// <summary>
/// Writes a row formula: the span overloads over <c>[batch, rowLength]</c> inputs, and a file-local
/// <c>IRowKernel</c> holding the formula's reductions (one method per pass), the scalars between
/// passes and the gradient. The loops live in <c>LossGen.Kernels.RowEngine</c>, not here.
/// </summary>
internal static class RowKernelEmitter
{
    private const string Engine = KernelsNamespace + ".RowEngine";

    /// <summary>The row state every kernel method takes, as generated code names it.</summary>
    private const string RowState = KernelsNamespace + ".RowState<T>";

    public static void WriteOverloads(CodeWriter w, KernelPlan plan, string type, string kernelType)
    {
        LossSpec spec = plan.Spec;
        string half = type == kernelType ? "" : "Half";
        string Generic(string kernel) => type == kernelType ? $"<{type}, {kernel}>" : $"<{kernel}>";
        string reduction = $"{ReductionType} reduction = {ReductionType}.Mean";

        WriteSummary(w, plan, type, "of each row, reduced by <paramref name=\"reduction\"/>");
        WriteParams(w, plan, gradients: false, losses: false);
        WriteRemarks(w, plan, withProgram: false);
        w.WriteLine(GeneratedCode);
        w.WriteLine($"{spec.Accessibility} static {type} {Identifier(spec.MethodName)}({Parameters(plan, type, gradients: false, losses: false).Append(reduction).Join()})");
        WriteBody(w, plan, type, kernel => $"{Engine}.Reduce{half}{Generic(kernel)}({NewKernel(plan, kernel)}, {Operands(plan, type, gradients: false)}, rowLength, reduction)", kernelType, returns: true);
        w.BlankLine();

        WriteSummary(w, plan, type, "of each row, reduced by <paramref name=\"reduction\"/>, and its gradient, in one pass of each kind over each row");
        WriteParams(w, plan, gradients: true, losses: false);
        WriteRemarks(w, plan, withProgram: true);
        w.WriteLine(GeneratedCode);
        w.WriteLine($"{spec.Accessibility} static {type} {GeneratedNames.WithGradient(spec.MethodName)}({Parameters(plan, type, gradients: true, losses: false).Append(reduction).Join()})");
        WriteBody(w, plan, type, kernel => $"{Engine}.ReduceWithGradient{half}{Generic(kernel)}({NewKernel(plan, kernel)}, {Operands(plan, type, gradients: true)}, rowLength, reduction)", kernelType, returns: true);
        w.BlankLine();

        string weightedReduction = LossEmitter.WeightedReductionParameter;
        WriteSummary(w, plan, type, "of each row times its sample weight, reduced by <paramref name=\"reduction\"/>");
        WriteParams(w, plan, gradients: false, losses: false, weighted: true);
        WriteRemarks(w, plan, withProgram: false);
        w.WriteLine(GeneratedCode);
        w.WriteLine($"{spec.Accessibility} static {type} {Identifier(spec.MethodName)}({Parameters(plan, type, gradients: false, losses: false, weighted: true).Append(weightedReduction).Join()})");
        WriteBody(w, plan, type, kernel => $"{Engine}.ReduceWeighted{half}{Generic(kernel)}({NewKernel(plan, kernel)}, {Operands(plan, type, gradients: false)}, rowLength, {GeneratedNames.SampleWeights}, reduction)", kernelType, returns: true);
        w.BlankLine();

        WriteSummary(w, plan, type, "of each row times its sample weight, reduced by <paramref name=\"reduction\"/>, and its gradient, in one pass of each kind over each row");
        WriteParams(w, plan, gradients: true, losses: false, weighted: true);
        WriteRemarks(w, plan, withProgram: false);
        w.WriteLine(GeneratedCode);
        w.WriteLine($"{spec.Accessibility} static {type} {GeneratedNames.WithGradient(spec.MethodName)}({Parameters(plan, type, gradients: true, losses: false, weighted: true).Append(weightedReduction).Join()})");
        WriteBody(w, plan, type, kernel => $"{Engine}.ReduceWeightedWithGradient{half}{Generic(kernel)}({NewKernel(plan, kernel)}, {Operands(plan, type, gradients: true)}, rowLength, {GeneratedNames.SampleWeights}, reduction)", kernelType, returns: true);
        w.BlankLine();

        WriteSummary(w, plan, type, "of each row, unreduced");
        WriteParams(w, plan, gradients: false, losses: true);
        WriteRemarks(w, plan, withProgram: false);
        w.WriteLine(GeneratedCode);
        w.WriteLine($"{spec.Accessibility} static void {GeneratedNames.Elementwise(spec.MethodName)}({Parameters(plan, type, gradients: false, losses: true).Join()})");
        WriteBody(w, plan, type, kernel => $"{Engine}.Map{half}{Generic(kernel)}({NewKernel(plan, kernel)}, {Operands(plan, type, gradients: false)}, losses, rowLength)", kernelType, returns: false);
        w.BlankLine();

        WriteSummary(w, plan, type, "of each row and its gradient, unreduced");
        WriteParams(w, plan, gradients: true, losses: true);
        WriteRemarks(w, plan, withProgram: false);
        w.WriteLine(GeneratedCode);
        w.WriteLine($"{spec.Accessibility} static void {GeneratedNames.ElementwiseWithGradient(spec.MethodName)}({Parameters(plan, type, gradients: true, losses: true).Join()})");
        WriteBody(w, plan, type, kernel => $"{Engine}.MapWithGradient{half}{Generic(kernel)}({NewKernel(plan, kernel)}, {Operands(plan, type, gradients: true)}, losses, rowLength)", kernelType, returns: false);
    }

    private static IEnumerable<string> Parameters(KernelPlan plan, string type, bool gradients, bool losses, bool weighted = false)
    {
        IEnumerable<string> inputs = plan.Inputs.Select(p => p.Shape == ParameterShape.Label ? $"{ReadOnlySpan}<int> {p.Name}" : $"{ReadOnlySpan}<{type}> {p.Name}");
        if (weighted)
        {
            inputs = inputs.Append($"{ReadOnlySpan}<{type}> {GeneratedNames.SampleWeights}");
        }

        if (losses)
        {
            inputs = inputs.Append($"{Span}<{type}> {GeneratedNames.Losses}");
        }

        if (gradients)
        {
            inputs = inputs.Concat(plan.DifferentiableInputs.Select(p => $"{Span}<{type}> {GeneratedNames.Gradient(p.Name)}"));
        }

        return inputs.Append("int rowLength").Concat(HyperParameters(plan));
    }

    private static string Operands(KernelPlan plan, string type, bool gradients)
    {
        var fields = new List<string>();
        fields.AddRange(plan.OfShape(ParameterShape.Row).Select(p => $"X{p.Index} = {p.Name}"));
        fields.AddRange(plan.OfShape(ParameterShape.Label).Select(p => $"Labels{p.Index} = {p.Name}"));
        fields.AddRange(plan.OfShape(ParameterShape.RowValue).Select(p => $"Values{p.Index} = {p.Name}"));
        if (gradients)
        {
            fields.AddRange(plan.DifferentiableInputs.Select((p, k) => $"G{k} = {GeneratedNames.Gradient(p.Name)}"));
        }

        return $"new {KernelsNamespace}.RowOperands<{type}> {{ {fields.Join()} }}";
    }

    private static void WriteParams(CodeWriter w, KernelPlan plan, bool gradients, bool losses, bool weighted = false)
    {
        foreach (LossParameter p in plan.Inputs)
        {
            string what = p.Shape switch
            {
                ParameterShape.Row when p.Shared => "One row of settings shared by every row (length <c>rowLength</c>, no gradient).",
                ParameterShape.Row when p.Role == ParameterRole.Target => "Rows of the target, row-major <c>[batch, rowLength]</c> (no gradient).",
                ParameterShape.Row => "Rows of the input, row-major <c>[batch, rowLength]</c>.",
                ParameterShape.Label => "One class index per row, in [0, rowLength).",
                _ => "One target value per row (no gradient).",
            };
            w.WriteLine($"/// <param name=\"{p.Name}\">{p.Doc ?? what}</param>");
        }

        if (weighted)
        {
            w.WriteLine($"/// <param name=\"{GeneratedNames.SampleWeights}\">{LossEmitter.SampleWeightsDoc("row")}</param>");
        }

        if (losses)
        {
            w.WriteLine("/// <param name=\"losses\">Receives the loss of each row.</param>");
        }

        if (gradients)
        {
            foreach (LossParameter p in plan.DifferentiableInputs)
            {
                w.WriteLine(losses
                    ? $"/// <param name=\"{p.Name}Gradient\">Receives the derivative of each row's loss with respect to that row of <paramref name=\"{p.Name}\"/> (not divided by the number of rows).</param>"
                    : weighted
                    ? $"/// <param name=\"{p.Name}Gradient\">Receives the gradient of the reduced weighted loss with respect to <paramref name=\"{p.Name}\"/>: each row's derivative times its weight, divided as the loss is.</param>"
                    : $"/// <param name=\"{p.Name}Gradient\">Receives the gradient of the reduced loss with respect to <paramref name=\"{p.Name}\"/> (divided by the number of rows for the mean).</param>");
            }
        }

        w.WriteLine("/// <param name=\"rowLength\">The length of every row (classes, features, pixels).</param>");
        WriteHyperParams(w, plan);

        if (weighted)
        {
            w.WriteLine($"/// <param name=\"reduction\">{LossEmitter.WeightedReductionDoc}</param>");
            w.WriteLine("/// <returns>The reduced weighted loss.</returns>");
        }
        else if (!losses)
        {
            w.WriteLine("/// <param name=\"reduction\">How the row losses are combined: <see cref=\"global::LossGen.Reduction.Mean\"/> over rows (NaN for no rows) or <see cref=\"global::LossGen.Reduction.Sum\"/>.</param>");
            w.WriteLine("/// <returns>The reduced loss.</returns>");
        }
    }

    private static void WriteRemarks(CodeWriter w, KernelPlan plan, bool withProgram)
    {
        w.WriteLine("/// <remarks>");
        w.WriteLine($"/// <para>Formula for one row: <c>{Xml(plan.Spec.Formula.Text)}</c></para>");
        if (!withProgram)
        {
            w.WriteLine($"/// <para>The generated passes over each row are shown on <c>{plan.Spec.MethodName}WithGradient</c>.</para>");
        }
        else
        {
            var schedule = new RowSchedule(plan);
            WriteFlagsRemark(w, plan);
            w.WriteLine("/// <para>Passes over each row, as generated:</para>");
            w.WriteLine("/// <code>");
            for (int pass = 0; pass <= schedule.PassCount; pass++)
            {
                // The row's labels, values and length are read, not computed: only computed scalars are listed.
                foreach (int id in schedule.Scalars.Where(id => schedule.Stage(id) == pass && !plan.Graph[id].Op.IsLeaf()))
                {
                    w.WriteLine($"/// {plan.Name(id)} = {Xml(Infix(plan, id))}");
                }

                if (pass == schedule.PassCount)
                {
                    break;
                }

                // Each reduction after the per-element values it folds, so every name it reads is defined above it.
                w.WriteLine($"/// pass {pass + 1}:");
                var listed = new HashSet<int>();
                foreach (int id in schedule.Reductions.Where(id => schedule.Pass(id) == pass))
                {
                    foreach (int row in schedule.RowStatements(new[] { plan.Graph[id].A }).Rows.Where(listed.Add))
                    {
                        w.WriteLine($"///     {plan.Name(row)} = {Xml(Infix(plan, row))}");
                    }

                    w.WriteLine($"///     {plan.Name(id)} = {Xml(Infix(plan, id))}");
                }
            }

            w.WriteLine($"/// loss = {Xml(Operand(plan, plan.Loss, infix: true))}");
            w.WriteLine("/// gradient pass:");
            int k = 0;
            foreach (LossParameter p in plan.DifferentiableInputs)
            {
                int gradient = plan.Gradients[k++];
                foreach (int id in schedule.RowStatements(new[] { gradient }).Rows)
                {
                    w.WriteLine($"///     {plan.Name(id)} = {Xml(Infix(plan, id))}");
                }

                w.WriteLine($"///     ∂loss/∂{p.Name} = {Xml(Operand(plan, gradient, infix: true))}");
            }

            w.WriteLine("/// </code>");
        }

        w.WriteLine("/// </remarks>");
        w.WriteLine("/// <exception cref=\"global::System.ArgumentException\">A length is not a whole number of rows, or the inputs' row counts differ.</exception>");
        if (plan.OfShape(ParameterShape.Label).Any())
        {
            w.WriteLine("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A label is outside [0, rowLength).</exception>");
        }

        WriteSettingExceptions(w, plan);
    }

    private static string Describe(KernelPlan plan, int id) => plan.Graph[id].Op switch
    {
        Op.Label or Op.RowValue or Op.RowLength => plan.Name(id),
        _ => Infix(plan, id),
    };

    public static void WriteKernel(CodeWriter w, KernelPlan plan)
    {
        LossSpec spec = plan.Spec;
        var schedule = new RowSchedule(plan);
        string name = plan.KernelTypeName;
        string owner = string.Join(".", spec.ContainingTypes.Select(t => t.Name).Append(spec.MethodName));
        w.WriteLine($"/// <summary>The row formula of <c>{owner}</c>{FlagsNote(plan)}: its passes over a row, the scalars between them and its gradient, written once for every vector width.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine($"file readonly struct {name}<T> : {KernelsNamespace}.IRowKernel<T>");
        WriteElementConstraint(w);
        using CodeWriter.Scope typeBody = w.Block();
        WriteHyperFields(w, plan, name);
        WriteSlots(w, plan, schedule);
        List<LossParameter> rows = plan.OfShape(ParameterShape.Row).ToList();
        w.WriteLine($"public static int InputCount => {rows.Count};");
        w.BlankLine();
        w.WriteLine($"public static int LabelCount => {plan.OfShape(ParameterShape.Label).Count()};");
        w.BlankLine();
        w.WriteLine($"public static int ValueCount => {plan.OfShape(ParameterShape.RowValue).Count()};");
        w.BlankLine();
        w.WriteLine($"public static int GradientCount => {plan.DifferentiableInputs.Count()};");
        w.BlankLine();
        w.WriteLine($"public static int PassCount => {schedule.PassCount};");
        w.BlankLine();
        w.WriteLine($"public static int ReductionCount => {schedule.Reductions.Count};");
        w.BlankLine();
        WriteSwitch(w, $"{KernelsNamespace}.RowReduction ReductionKind", "k", schedule.Reductions.Select(id => $"{KernelsNamespace}.RowReduction." + schedule.ReductionMethod(id)).ToList(), "default");
        w.BlankLine();
        WriteSwitch(w, "int ReductionPass", "k", schedule.Reductions.Select(id => schedule.Pass(id).ToString(CultureInfo.InvariantCulture)).ToList(), "0");
        w.BlankLine();
        w.WriteLine($"public static int SoftmaxReduction => {schedule.SoftmaxReduction};");
        w.BlankLine();
        WriteNameSwitch(w, "InputName", rows.Select(p => p.Name).ToList());
        w.BlankLine();
        WriteSwitch(w, "bool IsShared", "k", rows.Select(p => p.Shared ? "true" : "false").ToList(), "false");
        w.BlankLine();
        WriteNameSwitch(w, "LabelName", plan.OfShape(ParameterShape.Label).Select(p => p.Name).ToList());
        w.BlankLine();
        WriteNameSwitch(w, "ValueName", plan.OfShape(ParameterShape.RowValue).Select(p => p.Name).ToList());
        w.BlankLine();
        WriteNameSwitch(w, "GradientName", plan.DifferentiableInputs.Select(p => GeneratedNames.Gradient(p.Name)).ToList());
        w.BlankLine();

        WriteScalars(w, plan, schedule);
        w.BlankLine();
        string inputs = string.Join(", ", Enumerable.Range(0, KernelContract.MaxInputs).Select(k => "TVec " + (k < rows.Count ? plan.KernelName(rows[k]) : "unused" + k)));
        WriteAccumulate(w, plan, schedule, inputs);
        w.BlankLine();
        w.WriteLine($"public T Loss(ref {RowState} state) => {ScalarValue(plan, schedule, plan.Loss)};");
        w.BlankLine();
        WriteGradient(w, plan, schedule, inputs);
    }

    /// <summary>
    /// The row state's slots by the names of the scalars they keep, so that a reader can follow a value from the pass that
    /// reduces it to the stage and the gradient that read it.
    /// </summary>
    private static void WriteSlots(CodeWriter w, KernelPlan plan, RowSchedule schedule)
    {
        w.WriteLine("/// <summary>Where the row state keeps each scalar: the reductions' results, then the scalars computed from them.</summary>");
        w.WriteLine("private static class Slots");
        using (w.Block())
        {
            foreach (KeyValuePair<int, int> slot in schedule.Slots.OrderBy(s => s.Value))
            {
                // A reduction with its row expression written out: what its pass folds, as the pass's comment says.
                Node n = plan.Graph[slot.Key];
                string description = n.Op.IsReduction() && plan.Graph[n.A].Op.Arity() > 0 ? Infix(plan, slot.Key, folded: [n.A]) : Describe(plan, slot.Key);
                w.WriteLine($"public const int {plan.Name(slot.Key)} = {slot.Value.ToString(CultureInfo.InvariantCulture)}; // {description}");
            }
        }

        w.BlankLine();
    }

    /// <summary>A scalar's slot as generated code names it (no formula name is "Slots": see <see cref="KernelPlan.KernelIdentifiers"/>).</summary>
    private static string SlotName(KernelPlan plan, int id) => "Slots." + plan.Name(id);

    /// <summary>Between passes: the scalars of each stage, computed with the one-lane SIMD operations so they match the vector code bit for bit.</summary>
    private static void WriteScalars(CodeWriter w, KernelPlan plan, RowSchedule schedule)
    {
        var stages = Enumerable.Range(0, schedule.PassCount + 1).Where(s => schedule.Scalars.Any(id => schedule.Stage(id) == s)).ToList();
        w.WriteLine($"public void Scalars(int stage, ref {RowState} state, in {KernelsNamespace}.RowView<T> row)");
        using (w.Block())
        {
            foreach (int stage in stages)
            {
                w.WriteLine($"{(stage == stages[0] ? "" : "else ")}if (stage == {stage})");
                using (w.Block())
                {
                    w.WriteLine($"Stage{stage}<{KernelsNamespace}.ScalarSimd<T>>(ref state, in row);");
                }
            }
        }

        foreach (int stage in stages)
        {
            List<int> statements = schedule.Scalars.Where(id => schedule.Stage(id) == stage).ToList();
            w.BlankLine();
            w.WriteLine($"private void Stage{stage}<TSimd>(ref {RowState} state, in {KernelsNamespace}.RowView<T> row)");
            WriteConstraints(w, $"TSimd : {KernelsNamespace}.ISimd<T, T>");
            using CodeWriter.Scope body = w.Block();
            // What the stage reads from earlier stages; a gather reads its label from the row itself, not as a number.
            IEnumerable<int> read = statements.Where(id => plan.Graph[id].Op != Op.Gather)
                .SelectMany(id => Enumerable.Range(0, plan.Graph[id].Op.Arity()).Select(k => plan.Graph[id].Operand(k)))
                .Where(id => !statements.Contains(id) && !plan.Graph[id].IsConstant && plan.Graph[id].Op != Op.Epsilon)
                .Distinct().OrderBy(id => id);
            foreach (int id in read)
            {
                w.WriteLine($"T {plan.Name(id)} = {(plan.Graph[id].Op == Op.Label ? ScalarStatement(plan, id) : ScalarValue(plan, schedule, id))};");
            }

            foreach (int id in statements)
            {
                w.WriteLine($"T {plan.Name(id)} = {ScalarStatement(plan, id)}; // {Describe(plan, id)}");
                if (schedule.Slots.ContainsKey(id))
                {
                    w.WriteLine($"state[{SlotName(plan, id)}] = {plan.Name(id)};");
                }
            }
        }
    }

    private static string ScalarStatement(KernelPlan plan, int id)
    {
        Node n = plan.Graph[id];
        return n.Op switch
        {
            Op.Label => $"T.CreateTruncating(row.Label{n.Index})",
            Op.RowValue => $"row.Value{n.Index}",
            Op.RowLength => "T.CreateTruncating(row.Length)",
            Op.Gather => $"row.X{n.Index}[row.Label{plan.Graph[n.A].Index}]",
            _ => Call(plan, id, inlined: [], vector: "T"),
        };
    }

    /// <summary>A scalar read back: from its slot, a hyperparameter's field, or a literal.</summary>
    private static string ScalarValue(KernelPlan plan, RowSchedule schedule, int id)
    {
        Node n = plan.Graph[id];
        if (n.Op == Op.Hyper)
        {
            return "_" + plan.Name(id);
        }

        if (n.IsConstant || n.Op == Op.Epsilon)
        {
            return $"T.CreateTruncating({ConstantValue(plan, id)})";
        }

        return $"state[{SlotName(plan, id)}]";
    }

    private static void WriteAccumulate(CodeWriter w, KernelPlan plan, RowSchedule schedule, string inputs)
    {
        w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.WriteLine($"public void Accumulate<TVec, TSimd, TPass, TEdge>(ref {RowState} state, {inputs}, TVec column, TVec inside, ref TVec exps,");
        w.WriteLineIndented("ref TVec a0, ref TVec b0, ref TVec a1, ref TVec b1, ref TVec a2, ref TVec b2, ref TVec a3, ref TVec b3)");

        WriteConstraints(w, VectorConstraint, $"TSimd : {KernelsNamespace}.ISimd<TVec, T>", $"TPass : struct, {KernelsNamespace}.IRowPass", $"TEdge : struct, {KernelsNamespace}.IRowEdge");
        using CodeWriter.Scope body = w.Block();
        for (int pass = 0; pass < schedule.PassCount; pass++)
        {
            List<int> reductions = schedule.Reductions.Where(id => schedule.Pass(id) == pass).ToList();
            w.WriteLine($"{(pass == 0 ? "" : "else ")}if (TPass.Index == {pass})");
            using CodeWriter.Scope passBlock = w.Block();
            RowFusion fusion = WriteRowStatements(w, plan, schedule, reductions.Select(id => plan.Graph[id].A), reductions: reductions);
            for (int i = 0; i < reductions.Count; i++)
            {
                int id = reductions[i];
                string accumulators = plan.Graph[id].Op == Op.LogSumExp ? $"ref a{i}, ref b{i}" : $"ref a{i}";
                if (fusion.SumsOfProducts.Contains(id))
                {
                    Node product = plan.Graph[plan.Graph[id].A];
                    w.WriteLine($"{KernelsNamespace}.RowReduce.SumOfProducts<TVec, T, TSimd, TEdge>({accumulators}, {Operand(plan, product.A, infix: false)}, {Operand(plan, product.B, infix: false)}, inside); // {plan.Name(id)} = Sum({Infix(plan, plan.Graph[id].A)})");
                    continue;
                }

                // The gradient's softmax log-sum-exp also hands its e^(u − m) to the engine.
                string exps = schedule.SoftmaxReduction >= 0 && schedule.Reductions[schedule.SoftmaxReduction] == id ? ", ref state, out exps" : "";
                w.WriteLine($"{KernelsNamespace}.RowReduce.{schedule.ReductionMethod(id)}<TVec, T, TSimd, TEdge>({accumulators}, {Operand(plan, plan.Graph[id].A, infix: false)}, inside{exps}); // {plan.Name(id)} = {Infix(plan, id)}");
            }
        }
    }

    private static void WriteGradient(CodeWriter w, KernelPlan plan, RowSchedule schedule, string inputs)
    {
        List<LossParameter> differentiable = plan.DifferentiableInputs.ToList();
        string outs = string.Join(", ", Enumerable.Range(0, KernelContract.MaxInputs).Select(k => "out TVec " + GradientOut(plan, differentiable, k)));
        // The first four scalars the gradient reads come broadcast from the engine, once per row (see GradientScalars).
        List<int> gradientScalars = schedule.RowStatements(plan.Gradients).ScalarsRead.Take(4).ToList();
        w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.WriteLine($"public {KernelsNamespace}.RowGradientScalars<TVec> GradientScalars<TVec, TSimd>(ref {RowState} state)");
        WriteConstraints(w);
        w.WriteLineIndented($"=> new() {{ {string.Join(", ", gradientScalars.Select((id, k) => $"K{k} = TSimd.Create({ScalarValue(plan, schedule, id)})"))} }};");

        w.BlankLine();
        w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.WriteLine($"public void Gradient<TVec, TSimd, TSoftmax>(ref {RowState} state, in {KernelsNamespace}.RowGradientScalars<TVec> scalars, {inputs}, TVec column, TVec softmax, {outs})");
        WriteConstraints(w, VectorConstraint, $"TSimd : {KernelsNamespace}.ISimd<TVec, T>", $"TSoftmax : struct, {KernelsNamespace}.IRowSoftmax");
        using CodeWriter.Scope body = w.Block();
        WriteRowStatements(w, plan, schedule, plan.Gradients, schedule.SoftmaxExps, broadcast: gradientScalars, foldPastBudget: true);
        for (int k = 0; k < KernelContract.MaxInputs; k++)
        {
            string value = k < differentiable.Count ? Operand(plan, plan.Gradients[k], infix: false) : "default";
            w.WriteLine($"{GradientOut(plan, differentiable, k)} = {value};");
        }
    }

    /// <summary>The row-valued statements behind <paramref name="outputs"/>, after broadcasting the scalars they read.</summary>
    /// <remarks>
    /// Each of <paramref name="softmaxExps"/> takes the engine's kept softmax when it has one. Products used once are
    /// fused into the addition or the sum (of <paramref name="reductions"/>) that uses them (see <see cref="RowFusion"/>).
    /// With <paramref name="foldPastBudget"/>, a method past the JIT's 32 locals writes temporaries used once into the
    /// expression that uses them, as the elementwise kernels do: the gradient is inlined into the engine's loop only if it fits.
    /// </remarks>
    private static RowFusion WriteRowStatements(CodeWriter w, KernelPlan plan, RowSchedule schedule, IEnumerable<int> outputs,
        ISet<int>? softmaxExps = null, IReadOnlyList<int>? reductions = null, List<int>? broadcast = null, bool foldPastBudget = false)
    {
        List<int> outputList = outputs.ToList();
        (List<int> rows, List<int> scalars) = schedule.RowStatements(outputList);
        foreach (int id in scalars)
        {
            int k = broadcast?.IndexOf(id) ?? -1;
            w.WriteLine(k >= 0 ? $"TVec {plan.Name(id)} = scalars.K{k};" : $"TVec {plan.Name(id)} = TSimd.Create({ScalarValue(plan, schedule, id)});");
        }

        var fusion = new RowFusion(plan, rows, outputList, softmaxExps, reductions ?? [], schedule.ComparedExactly);
        // A row kernel is inlined into loops over several accumulators and vector parts (four at 128 bits): it inlines only
        // a lone exp, or its only exp or log of any kind (KL divergence's log of the target, [1024, 1000] floats with its
        // gradient: 884 -> 633 µs at 512 bits, 1,098 -> 990 at 256, 1,982 -> 1,672 at 128).
        List<int> transcendental = [.. rows.Where(id => plan.Graph[id].Op.HasInlinedTwin())];
        HashSet<int> inlined = rows.Any(id => plan.Graph[id].Op == Op.Pow) ? []
            : rows.Count(id => plan.Graph[id].Op == Op.Exp) == 1 ? [rows.Single(id => plan.Graph[id].Op == Op.Exp)]
            : transcendental is [int lone] ? [lone]
            : [];
        List<int> written = rows.Where(id => !fusion.FusedProducts.Contains(id)).ToList();
        HashSet<int> folded = foldPastBudget ? FoldedTemporaries(plan, written, fusion, softmaxExps, outputList, scalars.Count) : [];
        foreach (int id in written.Where(id => !folded.Contains(id)))
        {
            Node n = plan.Graph[id];
            if (fusion.MultiplyAdds.TryGetValue(id, out (int Product, int Addend) fma))
            {
                Node product = plan.Graph[fma.Product];
                w.WriteLine($"TVec {plan.Name(id)} = TSimd.MultiplyAdd({Operand(plan, product.A, infix: false)}, {Operand(plan, product.B, infix: false)}, {Operand(plan, fma.Addend, infix: false)}); // {Infix(plan, fma.Product)} + {Operand(plan, fma.Addend, infix: true)}");
                continue;
            }

            string value = softmaxExps?.Contains(id) == true
                ? $"TSoftmax.Softmax<TVec, T, TSimd>({Operand(plan, n.A, infix: false)}, softmax)"
                : Call(plan, id, inlined, folded: folded);
            w.WriteLine($"TVec {plan.Name(id)} = {value}; // {Infix(plan, id, folded)}");
        }

        return fusion;
    }

    /// <summary>
    /// The temporaries to write into their one use when the statements and scalars pass 32 locals: only plain statements
    /// used once by another plain statement (never by a multiply-add, a kept softmax or as an output), first to last, as
    /// many as it takes.
    /// </summary>
    private static HashSet<int> FoldedTemporaries(KernelPlan plan, List<int> written, RowFusion fusion, ISet<int>? softmaxExps, List<int> outputs, int scalars)
    {
        const int MaxInlinedLocals = 32;
        int excess = written.Count + scalars - MaxInlinedLocals;
        if (excess <= 0)
        {
            return [];
        }

        bool Plain(int id) => !fusion.MultiplyAdds.ContainsKey(id) && softmaxExps?.Contains(id) != true;
        var uses = new Dictionary<int, int>();
        var pinned = new HashSet<int>(outputs);
        foreach (int id in written)
        {
            Node n = plan.Graph[id];
            if (Plain(id))
            {
                for (int k = 0; k < n.Op.Arity(); k++)
                {
                    uses[n.Operand(k)] = uses.TryGetValue(n.Operand(k), out int count) ? count + 1 : 1;
                }
            }
            else if (fusion.MultiplyAdds.TryGetValue(id, out (int Product, int Addend) fma))
            {
                pinned.UnionWith([plan.Graph[fma.Product].A, plan.Graph[fma.Product].B, fma.Addend]);
            }
            else
            {
                pinned.Add(n.A);
            }
        }

        return [.. written.Where(id => Plain(id) && !pinned.Contains(id) && uses.TryGetValue(id, out int count) && count == 1).Take(excess)];
    }

    /// <summary>
    /// The multiply-adds of one method's row statements: x·y + z becomes one <c>MultiplyAdd</c>, and Sum(x·y) one
    /// fused accumulation, when the product x·y is used nowhere else. One instruction instead of two on the
    /// passes' hot paths; rounded once on a machine with FMA, at every width alike (the scalar path included), so
    /// every width still gives the same bits.
    /// </summary>
    private sealed class RowFusion
    {
        public RowFusion(KernelPlan plan, List<int> rows, List<int> outputs, ISet<int>? softmaxExps, IReadOnlyList<int> reductions, ISet<int> comparedExactly)
        {
            Graph g = plan.Graph;
            var rowSet = new HashSet<int>(rows);
            // Every read of a row value: by a statement, by a kept softmax's argument, as an output or a reduction's argument.
            var uses = new Dictionary<int, int>();
            void Use(int id) => uses[id] = uses.TryGetValue(id, out int n) ? n + 1 : 1;
            foreach (int id in rows)
            {
                for (int k = 0; k < g[id].Op.Arity(); k++)
                {
                    Use(g[id].Operand(k));
                }
            }

            outputs.ForEach(Use);

            // Claims a product for its one use; false when it is not a product of this method used exactly once.
            bool TryFuse(int id) => g[id].Op == Op.Multiply && rowSet.Contains(id) && uses[id] == 1 && softmaxExps?.Contains(id) != true && FusedProducts.Add(id);
            foreach (int id in rows)
            {
                Node n = g[id];
                if (n.Op != Op.Add || softmaxExps?.Contains(id) == true || comparedExactly.Contains(id))
                {
                    continue;
                }

                if (TryFuse(n.A))
                {
                    MultiplyAdds[id] = (n.A, n.B);
                }
                else if (TryFuse(n.B))
                {
                    MultiplyAdds[id] = (n.B, n.A);
                }
            }

            foreach (int id in reductions)
            {
                if (g[id].Op == Op.ReduceSum && TryFuse(g[id].A))
                {
                    SumsOfProducts.Add(id);
                }
            }
        }

        /// <summary>Products not written as statements: their one use computes them.</summary>
        public HashSet<int> FusedProducts { get; } = new();

        /// <summary>Additions written as MultiplyAdd(x, y, addend), with the product they absorb.</summary>
        public Dictionary<int, (int Product, int Addend)> MultiplyAdds { get; } = new();

        /// <summary>Sums written as RowReduce.SumOfProducts.</summary>
        public HashSet<int> SumsOfProducts { get; } = new();
    }
}

internal static class StringJoin
{
    public static string Join(this IEnumerable<string> parts) => string.Join(", ", parts);
}
