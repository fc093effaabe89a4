using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using LossGen.Generators.Diagnostics;
using LossGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LossGen.Analyzers;

/// <summary>
/// Call sites of generated loss methods (<c>X</c>, <c>XWithGradient</c>, <c>XElementwise</c> beside a
/// <c>[Loss]</c> method <c>X</c>, the catalogue's and a user's alike): constants outside a declared domain
/// (LG0201), spans whose constant lengths differ (LG0202), and a gradient output that is the same storage
/// as an argument it must not overwrite (LG0203).
/// </summary>
/// <remarks>
/// Calls are gathered per operation block and checked at its end, in source order, so that locals are
/// indexed once per block and a label written in one place and passed to several calls is reported once.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LossCallAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// Diagnostic property set on LG0201 when the code fix may turn this 0 into −1: the labels of a ±1
    /// input are all 0 or 1. The diagnostic's additional locations are the set's other 0s.
    /// </summary>
    public const string ZeroToMinusOneProperty = "ZeroToMinusOne";

    /// <summary>
    /// LG0201 findings reported per argument and domain: enough to show what is wrong where, without a
    /// warning per element of a long literal table (the fix still rewrites every 0 of the set).
    /// </summary>
    private const int MaxReportsPerArgument = 8;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ValueOutsideDomain,
        DiagnosticDescriptors.ConstantLengthsDiffer,
        DiagnosticDescriptors.GradientOverwritesArgument);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (LossSymbols.TryCreate(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterOperationBlockStartAction(block =>
            {
                var calls = new List<(IInvocationOperation Call, LossCallShape Shape)>();
                block.RegisterOperationAction(
                    operation =>
                    {
                        var invocation = (IInvocationOperation)operation.Operation;
                        if (symbols.Shape(invocation.TargetMethod) is { } shape)
                        {
                            lock (calls)
                            {
                                calls.Add((invocation, shape));
                            }
                        }
                    },
                    OperationKind.Invocation);
                block.RegisterOperationBlockEndAction(end =>
                {
                    if (calls.Count > 0)
                    {
                        new BlockChecks(symbols, end).Run(calls.OrderBy(c => c.Call.Syntax.SpanStart));
                    }
                });
            });
        });
    }

    /// <summary>The three rules over the loss calls of one operation block.</summary>
    private sealed class BlockChecks(LossSymbols symbols, OperationBlockAnalysisContext context)
    {
        private readonly VisibleValues _values = new(symbols, context.OperationBlocks);
        private readonly HashSet<(Location, string)> _reported = [];

        public void Run(IEnumerable<(IInvocationOperation Call, LossCallShape Shape)> calls)
        {
            foreach ((IInvocationOperation call, LossCallShape shape) in calls)
            {
                var arguments = call.Arguments
                    .Where(a => a.ArgumentKind == ArgumentKind.Explicit && a.Parameter is not null)
                    .Select(a => (Argument: a, Parameter: shape.Parameters[a.Parameter!.Ordinal]))
                    .OrderBy(a => a.Argument.Parameter!.Ordinal)
                    .ToArray();
                string method = $"{call.TargetMethod.ContainingType.Name}.{call.TargetMethod.Name}";
                CheckDomains(call, arguments, method);
                if (shape.IsElementwise)
                {
                    CheckLengths(call, arguments, method);
                }

                if (shape.WithGradient)
                {
                    CheckAliasing(arguments, method);
                }
            }
        }

        private void CheckDomains(IInvocationOperation call, (IArgumentOperation Argument, CallParameter Parameter)[] arguments, string method)
        {
            foreach ((IArgumentOperation argument, CallParameter parameter) in arguments.Where(a => !a.Parameter.Domains.IsEmpty))
            {
                ImmutableArray<Element> values = symbols.IsSpan(argument.Parameter!.Type)
                    ? _values.ContentsOf(argument.Value, call).Values
                    : _values.ScalarValues(argument.Value);
                if (values.IsDefault)
                {
                    continue;
                }

                foreach (ValueDomain domain in parameter.Domains)
                {
                    // {0, 1} labels for a ±1 input: the fix rewrites every 0 of the set at once, so each
                    // diagnostic carries all of them (a set half rewritten would no longer be {0, 1}).
                    Location[] zeros = domain == ValueDomain.PlusOrMinusOne && values.All(v => v.Value is 0 or 1)
                        ? values.Where(v => IsZeroLiteral(v.Source) && v.Source.Syntax.SyntaxTree == call.Syntax.SyntaxTree)
                            .Select(v => v.Source.Syntax.GetLocation()).Distinct().ToArray()
                        : [];
                    foreach (Element element in values.Where(v => !domain.Contains(v.Value, parameter.Range)).Take(MaxReportsPerArgument))
                    {
                        Location location = element.Source.Syntax.SyntaxTree == call.Syntax.SyntaxTree
                            ? element.Source.Syntax.GetLocation()
                            : argument.Value.Syntax.GetLocation();
                        bool fixable = zeros.Contains(location);
                        Report(
                            DiagnosticDescriptors.ValueOutsideDomain,
                            location,
                            fixable ? zeros.Where(z => !z.Equals(location)) : [],
                            fixable ? ImmutableDictionary<string, string?>.Empty.Add(ZeroToMinusOneProperty, "") : ImmutableDictionary<string, string?>.Empty,
                            element.Display, argument.Parameter.Name, method, domain.Describe(parameter.Range));
                    }
                }
            }
        }

        private void CheckLengths(IInvocationOperation call, (IArgumentOperation Argument, CallParameter Parameter)[] arguments, string method)
        {
            (IArgumentOperation Argument, int Length)? first = null;
            foreach ((IArgumentOperation argument, CallParameter parameter) in arguments.Where(a => a.Parameter.IsPerElementSpan))
            {
                if (_values.ContentsOf(argument.Value, call).Length is not { } length)
                {
                    continue;
                }

                if (first is not { } f)
                {
                    first = (argument, length);
                }
                else if (length != f.Length)
                {
                    Report(DiagnosticDescriptors.ConstantLengthsDiffer, argument.Value.Syntax.GetLocation(), [], ImmutableDictionary<string, string?>.Empty,
                        argument.Parameter!.Name, length, f.Argument.Parameter!.Name, f.Length, method);
                }
            }
        }

        /// <summary>
        /// A gradient may be written over the input it is the gradient of (documented, and tested in the
        /// engine); over a target, another input or another output it destroys data the caller still has.
        /// </summary>
        private void CheckAliasing((IArgumentOperation Argument, CallParameter Parameter)[] arguments, string method)
        {
            var spans = arguments.Where(a => a.Parameter.IsPerElementSpan)
                .Select(a => (a.Argument, a.Parameter, Storage: _values.Storage(a.Argument.Value)))
                .Where(a => a.Storage is not null)
                .ToArray();
            for (int g = 0; g < spans.Length; g++)
            {
                if (!spans[g].Parameter.IsGradient)
                {
                    continue;
                }

                string of = spans[g].Parameter.GradientOf!;
                for (int other = 0; other < spans.Length; other++)
                {
                    (IArgumentOperation argument, CallParameter parameter, ISymbol? storage) = spans[other];
                    bool allowed = other == g
                        || (parameter.FormulaRole == ParameterRole.Input && argument.Parameter!.Name == of)
                        || (parameter.IsGradient && other > g);
                    if (allowed || !SymbolEqualityComparer.Default.Equals(storage, spans[g].Storage))
                    {
                        continue;
                    }

                    string consequence = parameter.FormulaRole switch
                    {
                        ParameterRole.Target => $"the gradient of '{of}' overwrites the targets",
                        ParameterRole.Input => $"the gradient of '{of}' overwrites the input '{argument.Parameter!.Name}' (a gradient may overwrite only its own input)",
                        _ => "both gradients are written into it, so one overwrites the other",
                    };
                    Report(DiagnosticDescriptors.GradientOverwritesArgument, spans[g].Argument.Value.Syntax.GetLocation(), [], ImmutableDictionary<string, string?>.Empty,
                        spans[g].Argument.Parameter!.Name, method, argument.Parameter!.Name, consequence);
                    break;
                }
            }
        }

        /// <summary>A literal 0, possibly cast (<c>0f</c>, <c>0.0</c>, <c>(Half)0</c>): what the code fix rewrites.</summary>
        private static bool IsZeroLiteral(IOperation source)
        {
            IOperation literal = source is IConversionOperation { IsImplicit: false } cast ? cast.Operand : source;
            while (literal is IConversionOperation { IsImplicit: true } conversion)
            {
                literal = conversion.Operand;
            }

            return literal is ILiteralOperation { ConstantValue: { HasValue: true, Value: { } value } }
                && System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture) == 0;
        }

        private void Report(DiagnosticDescriptor descriptor, Location location, IEnumerable<Location> additionalLocations, ImmutableDictionary<string, string?> properties, params object?[] arguments)
        {
            if (_reported.Add((location, descriptor.Id)))
            {
                context.ReportDiagnostic(Diagnostic.Create(descriptor, location, additionalLocations, properties, arguments));
            }
        }
    }
}
