using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace LossGen.Tests.PublicApi;

/// <summary>
/// The LossGen assembly's public surface, held to a committed baseline (PublicApi.txt, one line per type and member), so
/// a change to what users or generated code can reach is a reviewed diff. Types generated code needs but users should not
/// read are hidden from IntelliSense ([EditorBrowsable(Never)]) and marked "hidden" in the file.
/// LOSSGEN_UPDATE_SNAPSHOTS=1 rewrites the baseline.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void The_public_surface_is_the_committed_baseline()
    {
        string path = Path.Combine(Path.GetDirectoryName(ThisFile())!, "PublicApi.txt");
        string actual = string.Join("\n", Lines(typeof(Losses).Assembly)) + "\n";
        if (Environment.GetEnvironmentVariable("LOSSGEN_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        string expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) : "";
        string[] added = actual.Split('\n').Except(expected.Split('\n')).ToArray(), removed = expected.Split('\n').Except(actual.Split('\n')).ToArray();
        Assert.True(
            added.Length == 0 && removed.Length == 0,
            $"The public API differs from PublicApi.txt; if the change is intended, rerun with LOSSGEN_UPDATE_SNAPSHOTS=1.\n"
            + string.Join("\n", added.Take(20).Select(l => "+ " + l).Concat(removed.Take(20).Select(l => "- " + l))));
    }

    [Fact]
    public void Only_the_users_api_is_browsable()
    {
        // What IntelliSense offers next to the user's code: the catalogue, LossMath, the attributes and settings, Row.
        string[] browsable = typeof(Losses).Assembly.GetExportedTypes().Where(IsBrowsable).Select(t => t.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.All(typeof(Losses).Assembly.GetExportedTypes().Where(t => t.Namespace == "LossGen.Kernels"), t => Assert.False(IsBrowsable(t), $"{t} is infrastructure"));
        Assert.Contains("Losses", browsable);
        Assert.Contains("LossMath", browsable);
        Assert.Contains("LossAttribute", browsable);
    }

    private static IEnumerable<string> Lines(Assembly assembly)
    {
        foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            yield return $"{(IsBrowsable(type) ? "" : "hidden ")}{Kind(type)} {Name(type)}";
            const BindingFlags declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (string member in type.GetMembers(declared).Where(m => m is not Type && !IsAccessor(m)).Select(m => Member(type, m)).Order(StringComparer.Ordinal))
            {
                yield return "  " + member;
            }
        }
    }

    private static bool IsBrowsable(Type type)
        => type.GetCustomAttribute<EditorBrowsableAttribute>()?.State != EditorBrowsableState.Never && (type.DeclaringType is null || IsBrowsable(type.DeclaringType));

    private static bool IsAccessor(MemberInfo member) => member is MethodInfo { IsSpecialName: true } method && !method.Name.StartsWith("op_", StringComparison.Ordinal);

    private static string Kind(Type type)
        => type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";

    private static string Member(Type owner, MemberInfo member) => member switch
    {
        ConstructorInfo c => $"{Name(owner)}({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{m.Name}{(m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "")}({Parameters(m)}) : {Name(m.ReturnType)}",
        PropertyInfo p => $"{(p.GetMethod?.IsStatic ?? p.SetMethod!.IsStatic ? "static " : "")}{p.Name} : {Name(p.PropertyType)} {{ {(p.GetMethod?.IsPublic == true ? "get; " : "")}{(p.SetMethod?.IsPublic == true ? "set; " : "")}}}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{f.Name} : {Name(f.FieldType)}{(f.IsLiteral ? " = " + Convert.ToString(f.GetRawConstantValue(), CultureInfo.InvariantCulture) : "")}",
        EventInfo e => $"event {e.Name} : {Name(e.EventHandlerType!)}",
        _ => member.ToString()!,
    };

    private static string Parameters(MethodBase method)
        => string.Join(", ", method.GetParameters().Select(p => $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (Convert.ToString(p.DefaultValue, CultureInfo.InvariantCulture) ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        string name = type.IsGenericParameter ? type.Name : (type.DeclaringType is { } outer && !type.IsGenericParameter ? Name(outer) + "." : type.Namespace + ".") + type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        name = tick >= 0 ? name[..tick] : name;
        return type.IsGenericType ? $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>" : name;
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
