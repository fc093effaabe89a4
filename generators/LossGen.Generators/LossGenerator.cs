using LossGen.Generators.Emit;
using LossGen.Generators.Model;
using LossGen.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LossGen.Generators;

/// <summary>
/// The pipeline, and nothing else: [Loss] methods are parsed into value-equal specs; specs become
/// source; diagnostics go through their own output so the specs stay cached when only positions move.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class LossGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for caching tests.</summary>
    public static class StepNames
    {
        public const string Parse = nameof(Parse);
        public const string Specs = nameof(Specs);
        public const string Diagnostics = nameof(Diagnostics);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                LossParser.LossAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (context, cancellationToken) => LossParser.Parse(context, cancellationToken))
            .WithTrackingName(StepNames.Parse);

        IncrementalValuesProvider<LossSpec> specs = results
            .Select(static (result, _) => result.Spec!)
            .Where(static spec => spec is not null)
            .WithTrackingName(StepNames.Specs);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = results
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(StepNames.Diagnostics);

        context.RegisterSourceOutput(specs, static (output, spec) => output.AddSource(LossEmitter.HintName(spec), LossEmitter.Emit(spec)));
        context.RegisterSourceOutput(diagnostics, static (output, diagnostic) => output.ReportDiagnostic(diagnostic.ToDiagnostic()));
    }
}
