using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LossGen.Generators.Model;

/// <summary>A diagnostic as plain values (no syntax tree), so it can flow through the pipeline.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SyntaxNode? node, params string[] arguments)
        => new(descriptor.Id, node is null ? null : LocationInfo.From(node.GetLocation()), arguments.ToEquatableArray());

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
        => new(descriptor.Id, location is null ? null : LocationInfo.From(location), arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Diagnostics.DiagnosticDescriptors.ById(Id), Location?.ToLocation(), Arguments.AsSpan().ToArray());
}

internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location location)
        => location.SourceTree is null ? null : new(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

internal static class StringEquatable
{
    public static EquatableArray<string> ToEquatableArray(this string[] items) => new(items ?? Array.Empty<string>());
}
