using System.Collections.Concurrent;
using System.Linq;
using LossGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace LossGen.Analyzers;

/// <summary>
/// The types the call-site rules look for, resolved once per compilation, and what has been worked out
/// about the compilation's loss methods and readonly fields (both depend only on the compilation).
/// </summary>
internal sealed class LossSymbols
{
    private readonly ConcurrentDictionary<IMethodSymbol, LossCallShape?> _shapes = new(SymbolEqualityComparer.Default);

    private LossSymbols(Compilation compilation, INamedTypeSymbol lossAttribute)
    {
        LossAttribute = lossAttribute;
        TargetAttribute = compilation.GetTypeByMetadataName("LossGen.TargetAttribute");
        HyperAttribute = compilation.GetTypeByMetadataName("LossGen.HyperAttribute");
        Span = compilation.GetTypeByMetadataName("System.Span`1");
        ReadOnlySpan = compilation.GetTypeByMetadataName("System.ReadOnlySpan`1");
        ReadOnlyMemory = compilation.GetTypeByMetadataName("System.ReadOnlyMemory`1");
        IEnumerable = compilation.GetSpecialType(SpecialType.System_Collections_Generic_IEnumerable_T);
        IReadOnlyList = compilation.GetSpecialType(SpecialType.System_Collections_Generic_IReadOnlyList_T);
        IReadOnlyCollection = compilation.GetSpecialType(SpecialType.System_Collections_Generic_IReadOnlyCollection_T);
        Array = compilation.GetSpecialType(SpecialType.System_Array);
        Enumerable = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
        MemoryExtensions = compilation.GetTypeByMetadataName("System.MemoryExtensions");
        Half = compilation.GetTypeByMetadataName("System.Half");
    }

    public INamedTypeSymbol LossAttribute { get; }
    public INamedTypeSymbol? TargetAttribute { get; }
    public INamedTypeSymbol? HyperAttribute { get; }
    public INamedTypeSymbol? Span { get; }
    public INamedTypeSymbol? ReadOnlySpan { get; }
    public INamedTypeSymbol? ReadOnlyMemory { get; }
    public INamedTypeSymbol IEnumerable { get; }
    public INamedTypeSymbol IReadOnlyList { get; }
    public INamedTypeSymbol IReadOnlyCollection { get; }
    public INamedTypeSymbol Array { get; }
    public INamedTypeSymbol? Enumerable { get; }
    public INamedTypeSymbol? MemoryExtensions { get; }
    public INamedTypeSymbol? Half { get; }

    /// <summary>Values seen in readonly fields, by field; see <see cref="VisibleValues"/>.</summary>
    public ConcurrentDictionary<IFieldSymbol, Contents> FieldContents { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>The symbols of a compilation that references LossGen, or null (the rules have nothing to look at).</summary>
    public static LossSymbols? TryCreate(Compilation compilation)
        => compilation.GetTypeByMetadataName("LossGen.LossAttribute") is { } loss ? new LossSymbols(compilation, loss) : null;

    /// <summary>What a call to <paramref name="method"/> passes to a [Loss] method, or null if it is not a loss method.</summary>
    public LossCallShape? Shape(IMethodSymbol method) => _shapes.GetOrAdd(method.OriginalDefinition, m => LossCallShape.Resolve(m, this));

    public bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute)
        => attribute is not null && symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

    /// <summary>The domains a [Loss] method's parameter declares, each once, in <see cref="ValueDomain"/> order.</summary>
    public ValueDomain[] Domains(IParameterSymbol parameter)
        => ValueDomains.Declared(parameter).Select(d => d.Domain).Distinct().OrderBy(d => d).ToArray();

    /// <summary>The bounds of the parameter's <c>[InRange(min, max)]</c>, or (−∞, +∞).</summary>
    public (double Min, double Max) RangeOf(IParameterSymbol parameter)
        => ValueDomains.Declared(parameter).FirstOrDefault(d => d.Domain == ValueDomain.InRange).Attribute
            is { ConstructorArguments: [{ Value: double min }, { Value: double max }] }
            ? (min, max)
            : (double.NegativeInfinity, double.PositiveInfinity);

    /// <summary><c>Span&lt;T&gt;</c> or <c>ReadOnlySpan&lt;T&gt;</c>.</summary>
    public bool IsSpan(ITypeSymbol? type)
        => type is INamedTypeSymbol { IsGenericType: true } named
            && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, Span) || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, ReadOnlySpan));

    /// <summary>A parameter type through which a callee can read the elements but not write them.</summary>
    public bool IsReadOnlyView(ITypeSymbol? type)
        => type is INamedTypeSymbol { IsGenericType: true } named
            && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, ReadOnlySpan)
                || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, ReadOnlyMemory)
                || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, IEnumerable)
                || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, IReadOnlyList)
                || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, IReadOnlyCollection));

    public bool IsMethodOf(IMethodSymbol method, INamedTypeSymbol? type, string name)
        => method.Name == name && SymbolEqualityComparer.Default.Equals(method.ContainingType, type);

    /// <summary><c>array.AsSpan()</c> (MemoryExtensions), with no start or length.</summary>
    public bool IsWholeAsSpan(IMethodSymbol method, int argumentCount)
        => IsMethodOf(method, MemoryExtensions, "AsSpan") && argumentCount == 1;

    /// <summary><c>Span&lt;T&gt;.Fill(value)</c>.</summary>
    public bool IsSpanFill(IMethodSymbol method)
        => method.Name == "Fill" && SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, Span);
}
