using System.Collections.Generic;
using System.Linq;
using LossGen.Generators.Diagnostics;
using LossGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LossGen.Generators.Tests;

/// <summary>
/// Every declaration or formula LossGen cannot compile is an LG error at the offending node, with no
/// output for that loss and never a generator exception; code with compiler errors gets no LG errors.
/// </summary>
public sealed class DiagnosticTests
{
    /// <summary>One member of <c>public static partial class C</c>; markers show where the diagnostic goes.</summary>
    private static string Member(string member) => GeneratorHarness.Usings + "namespace N;\n\npublic static partial class C\n{\n" + member + "\n}\n";

    /// <summary>Expected diagnostic id, and a marked source: one case per descriptor, then unsupported constructs.</summary>
    private static readonly Dictionary<string, (string Id, string Source)> s_cases = new()
    {
        // One per descriptor.
        ["LG0001 instance method"] = ("LG0001", GeneratorHarness.Usings + "public partial class C\n{\n    [Loss] public double [|F|](double x) => x * x;\n}\n"),
        ["LG0002 non-partial type"] = ("LG0002", GeneratorHarness.Usings + "public static class [|C|]\n{\n    [Loss] public static double F(double x) => x * x;\n}\n"),
        ["LG0003 long parameter"] = ("LG0003", Member("    [Loss] public static double F(double x, [Target] long [|y|]) => x * y;")),
        ["LG0004 float return"] = ("LG0004", Member("    [Loss] public static [|float|] F(double x) => (float)x;")),
        ["LG0005 no inputs"] = ("LG0005", Member("    [Loss] public static double [|F|]([Hyper] double a) => a;")),
        ["LG0006 target and hyper"] = ("LG0006", Member("    [Loss] public static double F(double x, [Target, Hyper] double [|y|]) => x * y;")),
        ["LG0007 generic method"] = ("LG0007", Member("    [Loss] public static double [|F|]<T>(double x) => x * x;")),
        ["LG0008 overloaded name"] = ("LG0008", Member("    [Loss] public static double [|F|](double x) => x * x;\n    [Loss] public static double [|F|](double x, double y) => x * y;")),
        ["LG0009 reserved parameter name"] = ("LG0009", Member("    [Loss] public static double F(double x, [Target] double [|reduction|]) => x * reduction;")),
        ["LG0010 label without rows"] = ("LG0010", Member("    [Loss] public static double [|F|](double x, [Target] int y) => x * y;")),
        ["LG0011 per-row value without target"] = ("LG0011", Member("    [Loss] public static double F(Row x, double [|s|]) => Sum(x) * s;")),
        ["LG0101 if statement"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        [|if (x > 0) return x;|]\n        return -x;\n    }")),
        ["LG0102 modulo"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|x % 2|];")),
        ["LG0103 user method"] = ("LG0103", Member("    private static double Helper(double v) => v * v;\n    [Loss] public static double F(double x) => [|Helper|](x);")),
        ["LG0105 index not a label"] = ("LG0105", Member("    [Loss] public static double F(Row x, [Hyper] double k) => x[[|(int)k|]];")),
        ["LG0104 static field"] = ("LG0104", Member("    private static double s_scale = 2;\n    [Loss] public static double F(double x) => x * [|s_scale|];")),

        // Statements.
        ["assignment statement"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        var a = x;\n        [|a = 2 * a;|]\n        return a;\n    }")),
        ["compound assignment"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        var a = x;\n        [|a += 1;|]\n        return a;\n    }")),
        ["increment statement"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        var a = x;\n        [|a++;|]\n        return a;\n    }")),
        ["for loop"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        var s = 0.0;\n        [|for (int i = 0; i < 3; i++) s += x;|]\n        return s;\n    }")),
        ["while loop"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        var s = x;\n        [|while (s > 1) s /= 2;|]\n        return s;\n    }")),
        ["local without initializer"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        double [|a|];\n        a = x;\n        return a;\n    }")),
        ["local function"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        [|double Sq(double v) => v * v;|]\n        return Sq(x);\n    }")),
        ["statement after return"] = ("LG0101", Member("    [Loss] public static double F(double x)\n    {\n        return x;\n        [|return -x;|]\n    }")),
        ["extern method without a body"] = ("LG0101", Member("    [Loss] public static extern double [|F|](double x);")),

        // Expressions.
        ["assignment expression"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|x = 2|];")),
        ["postfix increment"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|x++|];")),
        ["prefix decrement"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|--x|];")),
        ["xor"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|(x > 0) ^ (x < 1)|] ? x : 0;")),
        ["bitwise and"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|(x > 0) & (x < 1)|] ? x : 0;")),
        ["bitwise or"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|(x > 0) | (x < 1)|] ? x : 0;")),
        ["shift"] = ("LG0102", Member("    [Loss] public static double F(double x) => x * ([|(int)x << 1|]);")),
        ["is pattern"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|x is > 0|] ? x : 0;")),
        ["lambda"] = ("LG0102", Member("    [Loss] public static double F(double x)\n    {\n        Func<double, double> f = [|v => v * 2|];\n        return x;\n    }")),
        ["new"] = ("LG0102", Member("    [Loss] public static double F(double x) => (double)[|new decimal(x)|];")),
        ["new array"] = ("LG0102", Member("    [Loss] public static double F(double x) => x * [|new double[] { x }.Length|];")),
        ["element access"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|new[] { x }[0]|];")),
        ["string length"] = ("LG0102", Member("    [Loss] public static double F(double x) => x * [|\"ab\".Length|];")),
        ["string local"] = ("LG0102", Member("    [Loss] public static double F(double x)\n    {\n        var s = [|\"a\"|];\n        return x;\n    }")),
        ["static property"] = ("LG0102", Member("    [Loss] public static double F(double x) => x * [|DateTime.Now.Second|];")),
        ["cast to int"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|(int)x|];")),
        ["switch expression"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|x switch { > 0 => x, _ => 0 }|];")),
        ["throw expression"] = ("LG0102", Member("    [Loss] public static double F(double x) => x > 0 ? x : [|throw new ArgumentException()|];")),
        ["named argument"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|Max(a: x, b: 0)|];")),
        ["integer division"] = ("LG0102", Member("    [Loss] public static double F(double x)\n    {\n        var i = 2;\n        return x * ([|i / 3|]);\n    }")),
        ["checked"] = ("LG0102", Member("    [Loss] public static double F(double x) => [|checked(x * 2)|];")),
        ["method on a parameter"] = ("LG0103", Member("    [Loss] public static double F(double x) => [|x.CompareTo|](1.0) * x;")),
        ["two-argument Math.Log"] = ("LG0103", Member("    [Loss] public static double F(double x) => [|Math.Log|](1 + x * x, 2);")),
        ["unknown Math function"] = ("LG0103", Member("    [Loss] public static double F(double x) => [|Math.Sin|](x);")),
        ["recursion"] = ("LG0103", Member("    [Loss] public static double F(double x) => x > 1 ? [|F|](x / 2) : x;")),
        ["delegate call"] = ("LG0103", Member("    private static readonly Func<double, double> s_f = v => v;\n    [Loss] public static double F(double x) => [|s_f|](x);")),

        // Declarations.
        ["ref parameter"] = ("LG0003", Member("    [Loss] public static double F(double x, ref double [|y|]) => x * y;")),
        ["out parameter"] = ("LG0003", Member("    [Loss] public static double F(double x, out double [|y|])\n    {\n        y = 0;\n        return x;\n    }")),
        ["in parameter"] = ("LG0003", Member("    [Loss] public static double F(double x, in double [|y|]) => x * y;")),
        ["params parameter"] = ("LG0003", Member("    [Loss] public static double F(double x, params double[] [|ys|]) => x;")),
        ["float parameter"] = ("LG0003", Member("    [Loss] public static double F(double x, float [|y|]) => x * y;")),
        ["void return"] = ("LG0004", Member("    [Loss] public static [|void|] F(double x) { }")),
        ["no parameters"] = ("LG0005", Member("    [Loss] public static double [|F|]() => 1;")),
        ["five inputs"] = ("LG0005", Member("    [Loss] public static double [|F|](double a, double b, double c, [Target] double d, double e) => a + b + c + d + e;")),
        ["generic type"] = ("LG0007", GeneratorHarness.Usings + "public static partial class G<T>\n{\n    [Loss] public static double [|F|](double x) => x * x;\n}\n"),
        ["non-partial outer type"] = ("LG0002", GeneratorHarness.Usings + "public static class [|Outer|]\n{\n    public static partial class Inner\n    {\n        [Loss] public static double F(double x) => x * x;\n    }\n}\n"),
        ["keyword parameter"] = ("LG0009", Member("    [Loss] public static double F(double x, [Target] double [|@double|]) => x * @double;")),
        ["gradient-named parameter"] = ("LG0009", Member("    [Loss] public static double F(double x, [Target] double [|xGradient|]) => x * xGradient;")),
        ["sample-weights-named parameter"] = ("LG0009", Member("    [Loss] public static double F(double x, [Target] double [|sampleWeights|]) => x * sampleWeights;")),
        ["float arithmetic"] = ("LG0102", Member("    [Loss] public static double F(double x)\n    {\n        var f = 0.1f;\n        return x * ([|f * 3f|]);\n    }")),
        ["decimal arithmetic"] = ("LG0102", Member("    [Loss] public static double F(double x)\n    {\n        var m = 0.1m;\n        return x * (double)([|m * 3m|]);\n    }")),

        // Members that would clash with the generated ones, reported at the user's member.
        ["LG0012 field named like a generated method"] = ("LG0012", Member("    private static int [|FWithGradient|];\n    [Loss] public static double F(double x) => x * x;")),
        ["property named like a generated method"] = ("LG0012", Member("    public static int [|FElementwise|] => 1;\n    [Loss] public static double F(double x) => x * x;")),
        ["nested type named like a generated method"] = ("LG0012", Member("    private sealed class [|FWithGradient|] { }\n    [Loss] public static double F(double x) => x * x;")),
        ["method with a generated signature"] = ("LG0012", Member("    public static float [|F|](ReadOnlySpan<float> x, Reduction r) => 0;\n    [Loss] public static double F(double x) => x * x;")),
        ["method with a generated gradient signature"] = ("LG0012", Member("    public static void [|FWithGradient|](ReadOnlySpan<double> x, Span<double> g, double k, Reduction r) { }\n    [Loss] public static double F(double x, [Hyper] double k) => k * x * x;")),
        ["containing type named like a generated method"] = ("LG0012", GeneratorHarness.Usings + "public static partial class [|FElementwise|]\n{\n    [Loss] public static double F(double x) => x * x;\n}\n"),
        // The fourth generated name (GeneratedNames.Methods): it went unchecked while the parser listed three by hand.
        ["field named like the per-element gradient method"] = ("LG0012", Member("    private static int [|FElementwiseWithGradient|];\n    [Loss] public static double F(double x) => x * x;")),
        ["method with the per-element gradient signature"] = ("LG0012", Member("    public static void [|FElementwiseWithGradient|](ReadOnlySpan<double> x, Span<double> losses, Span<double> g) { }\n    [Loss] public static double F(double x) => x * x;")),
        ["LG0013 file-local type"] = ("LG0013", GeneratorHarness.Usings + "file static partial class C\n{\n    [Loss] public static double [|F|](double x) => x * x;\n}\n"),
        ["LG0014 no element types"] = ("LG0014", Member("    [[|Loss(ElementTypes = 0)|]] public static double F(double x) => x * x;")),
        ["unknown element type flag"] = ("LG0014", Member("    [[|Loss(ElementTypes = (LossElementTypes)9)|]] public static double F(double x) => x * x;")),
        ["LG0015 local function"] = ("LG0015", Member("    public static double G(double x)\n    {\n        return H(x);\n        [Loss] static double [|H|](double v) => v * v;\n    }")),
        ["lambda with [Loss]"] = ("LG0015", Member("    public static Func<double, double> G() => [|[Loss] static (double v) => v * v|];")),
        ["operator with [Loss]"] = ("LG0015", "using LossGen;\npublic partial class C\n{\n    [|[Loss] public static double operator +(C a, C b) => 0;|]\n}\n"),
        ["accessor with [Loss]"] = ("LG0015", "using LossGen;\npublic partial class C\n{\n    public static double P { [|[Loss] get => 0;|] }\n}\n"),
        ["LG0016 domain on a label"] = ("LG0016", Member("    [Loss] public static double F([PlusOrMinusOne] int [|y|], Row x) => Sum(x) * y;")),
        ["data domain on a setting"] = ("LG0016", Member("    [Loss] public static double F(double x, [Hyper, PlusOrMinusOne] double [|k|]) => k * x;")),
        ["range on a flag"] = ("LG0016", Member("    [Loss] public static double F(double x, [Hyper, Positive] bool [|on|]) => on ? x : -x;")),
        ["LG0017 more passes than the row kernel has"] = ("LG0017", Member("    [Loss] public static double [|F|](Row x) => LogSumExp(Softmax(Softmax(Softmax(x))));")),
        ["more reductions than the row kernel has"] = ("LG0017", Member("    [Loss] public static double [|F|](Row x) => Sum(x) + Sum(x * x) + Sum(Exp(x)) + Sum(Abs(x)) + Sum(Tanh(x)) + Sum(Sigmoid(x)) + Sum(Softplus(x)) + Sum(Relu(x)) + Sum(Square(x) * x);")),
    };

    public static TheoryData<string> Cases => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unsupported_code_is_an_LG_error_at_the_offending_node(string name)
    {
        (string id, string marked) = s_cases[name];
        (string source, List<TextSpan> spans) = MarkedSource.Parse(marked);
        GeneratorResult result = GeneratorHarness.Run(source);

        Assert.Empty(result.Sources);
        // Warnings (errors only by warnings-as-errors) may accompany the case; real compile errors may not.
        Assert.Empty(result.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !d.IsWarningAsError));
        Assert.NotEmpty(result.GeneratorDiagnostics);
        Assert.All(result.GeneratorDiagnostics, d =>
        {
            Assert.StartsWith("LG", d.Id, System.StringComparison.Ordinal);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path);
            Assert.DoesNotContain("{0}", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        });
        foreach (TextSpan span in spans)
        {
            Assert.True(
                result.GeneratorDiagnostics.Any(d => d.Id == id && d.Location.SourceSpan == span),
                $"expected {id} at '{source.Substring(span.Start, span.Length)}' {span}; got:\n" + string.Join("\n", result.GeneratorDiagnostics.Select(d => $"{d} '{source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)}'")));
        }
    }

    [Theory]
    [InlineData("ref", "ref double")]
    [InlineData("in", "in double")]
    [InlineData("ref readonly", "ref readonly double")]
    public void Unsupported_parameter_message_names_the_modifier_as_written(string modifier, string expected)
    {
        GeneratorResult result = GeneratorHarness.Run(Member($"    [Loss] public static double F(double x, {modifier} double y) => x * y;"));

        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "LG0003");
        Assert.Contains($"'{expected}'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_partial_type_is_reported_once_at_the_type_however_many_losses_it_has()
    {
        string source = GeneratorHarness.Usings
            + "public static class C\n{\n    [Loss] public static double F(double x) => x * x;\n    [Loss] public static double G(double x) => x;\n}\n";
        GeneratorResult result = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("LG0002", diagnostic.Id);
        Assert.Equal(new TextSpan(source.IndexOf("class C", System.StringComparison.Ordinal) + "class ".Length, 1), diagnostic.Location.SourceSpan);
        Assert.Empty(result.Sources);
    }

    [Theory]
    [InlineData("[Target] long y")]
    [InlineData("ref double y")]
    public void An_unsupported_parameter_is_one_error_not_also_a_wrong_count(string parameter)
    {
        // Without the unsupported parameter the formula has no input left: that is the same mistake, reported once.
        GeneratorResult result = GeneratorHarness.Run(Member($"    [Loss] public static double F({parameter}) => y;"));

        Assert.Equal(["LG0003"], result.GeneratorDiagnostics.Select(d => d.Id));
    }

    [Theory]
    [InlineData("=> x % 2;", "the operator '%' is not supported")]
    [InlineData("=> (int)x;", "'(int)x' is not supported")]
    [InlineData("{ var m = 0.1m; return x * (double)(m * 3m); }", "arithmetic in 'decimal' rather than double is not supported")]
    public void Unsupported_expressions_are_quoted_once(string body, string expected)
    {
        GeneratorResult result = GeneratorHarness.Run(Member($"    [Loss] public static double F(double x) {body}"));

        string message = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "LG0102").GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith(expected, message, System.StringComparison.Ordinal);
        Assert.DoesNotContain("''", message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Every_descriptor_has_a_case()
    {
        // The generator's own diagnostics (LG00xx, LG01xx); the call-site rules (LG02xx) are the analyzer's, tested there.
        // LG0018 reports a generator failure, which no valid or invalid declaration is meant to cause.
        IEnumerable<string> tested = s_cases.Values.Select(c => c.Id).Append("LG0018").Distinct().Order();
        Assert.Equal(DiagnosticDescriptors.All.Select(d => d.Id).Where(IsGeneratorId).Order(), tested);
    }

    private static bool IsGeneratorId(string id) => id.StartsWith("LG00", System.StringComparison.Ordinal) || id.StartsWith("LG01", System.StringComparison.Ordinal);

    [Fact]
    public void Descriptors_are_errors_with_unique_ids_and_no_dead_help_links()
    {
        // What the generator cannot compile is an error; a suspicious call site (LG02xx) or formula (LG03xx) is a warning.
        var all = DiagnosticDescriptors.All.ToList();
        Assert.Equal(all.Count, all.Select(d => d.Id).Distinct().Count());
        Assert.All(all, d =>
        {
            Assert.Matches("^LG0[0-3][0-9][0-9]$", d.Id);
            Assert.Equal(IsGeneratorId(d.Id) ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, d.DefaultSeverity);
            Assert.True(string.IsNullOrEmpty(d.HelpLinkUri), $"{d.Id} links to {d.HelpLinkUri}, but the project has no public URL");
            Assert.Same(d, DiagnosticDescriptors.ById(d.Id));
        });
    }

    [Theory]
    [InlineData("    [Loss] public static double F(double x) => x + undefinedThing;")]
    [InlineData("    [Loss] public static double F(double x) => x ^ 2;")]
    [InlineData("    [Loss] public static double F(double x) => x.Length;")]
    [InlineData("    [Loss] public static double F(double x) { var a = x; }")]
    [InlineData("    [Loss] public static double F(double x) => Log(x, 2);")]
    [InlineData("    [Loss] public static double F(double x, [Target] Missing y) => x;")]
    [InlineData("    [Loss] public static double F(double x) => x +;")]
    public void Code_that_does_not_compile_gets_no_LG_diagnostics_and_no_output(string member)
    {
        GeneratorResult result = GeneratorHarness.Run(Member(member));
        Assert.NotEmpty(result.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void An_error_in_one_loss_leaves_the_others_generated()
    {
        GeneratorResult result = GeneratorHarness.Run(Member(
            "    [Loss] public static double Good(double x) => x * x;\n    [Loss] public static double Bad(double x) => x % 2;\n    [Loss] public static double Broken(double x) => x + nope;"));
        Assert.Equal(["N.C.Good.g.cs"], result.Sources.Keys);
        Assert.Equal(["LG0102"], result.GeneratorDiagnostics.Select(d => d.Id));
    }
}
