using System;
using System.Threading;
using LossGen.Generators.Diagnostics;
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
                static (_, _) => true, // methods, and the local functions, lambdas and operators LG0015 reports
                static (context, cancellationToken) => Parse(context, cancellationToken))
            .WithTrackingName(StepNames.Parse);

        IncrementalValuesProvider<LossSpec> specs = results
            .Select(static (result, _) => result.Spec!)
            .Where(static spec => spec is not null)
            .WithTrackingName(StepNames.Specs);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = results
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(StepNames.Diagnostics);

        context.RegisterSourceOutput(specs, static (output, spec) => Emit(output, spec));
        context.RegisterSourceOutput(diagnostics, static (output, diagnostic) => output.ReportDiagnostic(diagnostic.ToDiagnostic()));

        // TorchSharp tensor forms: of the project's own losses when it references LossGen.TorchSharp, and of compiled
        // losses where a partial class asks with [TensorFormsOf].
        IncrementalValueProvider<bool> referencesBridge = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(TensorFormsReader.BridgeTypeName) is not null);
        IncrementalValuesProvider<TensorForms> ownForms = specs.Combine(referencesBridge)
            .Where(static pair => pair.Right && TensorFormsReader.IsReachable(pair.Left))
            .Select(static (pair, _) => TensorFormsReader.FromSpec(pair.Left, TensorEmitter.HintName(pair.Left)));
        IncrementalValuesProvider<TensorForms> compiledForms = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TensorFormsReader.TensorFormsOfAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (context, cancellationToken) => TensorFormsReader.FromAttributes(context, cancellationToken).ToEquatableArray())
            .SelectMany(static (forms, _) => forms);
        context.RegisterSourceOutput(ownForms, static (output, forms) => Emit(output, forms));
        context.RegisterSourceOutput(compiledForms, static (output, forms) => Emit(output, forms));
    }

    // A generator that throws loses every loss of the project: a failure on one loss is LG0018 on that loss alone.
    private static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        Location at = context.TargetNode is MethodDeclarationSyntax method ? method.Identifier.GetLocation() : context.TargetNode.GetLocation();
        try
        {
            return LossEmitter.CheckLimits(LossParser.Parse(context, cancellationToken), at);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ParseResult(null, new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, at, context.TargetSymbol.Name, e.GetType().Name + ": " + e.Message) }.ToEquatableArray());
        }
    }

    private static void Emit(SourceProductionContext output, TensorForms forms)
    {
        try
        {
            output.AddSource(forms.HintName, TensorEmitter.Emit(forms));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, forms.Owner, e.GetType().Name + ": " + e.Message));
        }
    }

    private static void Emit(SourceProductionContext output, LossSpec spec)
    {
        try
        {
            output.AddSource(LossEmitter.HintName(spec), LossEmitter.Emit(spec));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, spec.MethodName, e.GetType().Name + ": " + e.Message));
        }
    }
}
