using System;
using System.IO;
using System.Linq;
using LossGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace LossGen.Generators.Tests;

/// <summary>
/// Every diagnostic has a page docs/diagnostics/{Id}.md in this repository (and in the package), titled as the descriptor
/// is and listed in docs/diagnostics/README.md, and explains itself without it. No descriptor links anywhere: the project
/// has no public URL, and a link to an invented one would be dead.
/// </summary>
public sealed class HelpPageTests
{
    public static TheoryData<string> Ids => new(DiagnosticDescriptors.All.Select(d => d.Id));

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_diagnostic_has_a_help_page_in_the_repository(string id)
    {
        DiagnosticDescriptor descriptor = DiagnosticDescriptors.ById(id);
        string relative = $"docs/diagnostics/{id}.md";
        Assert.True(string.IsNullOrEmpty(descriptor.HelpLinkUri), $"{id} links to {descriptor.HelpLinkUri}");

        string directory = Path.Combine(RepositoryRoot(), "docs", "diagnostics");
        string page = Path.Combine(directory, id + ".md");
        Assert.True(File.Exists(page), $"{relative} is missing");

        string firstLine = File.ReadLines(page).FirstOrDefault() ?? "";
        Assert.Equal($"# {id}: {descriptor.Title}", firstLine.TrimEnd());

        string index = Path.Combine(directory, "README.md");
        Assert.True(File.Exists(index), "docs/diagnostics/README.md is missing");
        Assert.Contains(id, File.ReadAllText(index), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_diagnostic_explains_itself_offline(string id)
    {
        // The IDE shows the description beside the message: why it matters and what to do, with no page to open.
        string description = DiagnosticDescriptors.ById(id).Description.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(description.Length >= 40, $"{id} has no description");
        Assert.EndsWith(".", description, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\{\d\}", description);
    }

    [Fact]
    public void Every_help_page_belongs_to_a_descriptor()
    {
        string directory = Path.Combine(RepositoryRoot(), "docs", "diagnostics");
        var pages = Directory.GetFiles(directory, "LG*.md").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);
        Assert.Equal(DiagnosticDescriptors.All.Select(d => d.Id), pages);
    }

    /// <summary>A merge once left conflict markers in the diagnostics index; no document or source may hold one.</summary>
    [Fact]
    public void No_file_holds_a_merge_conflict_marker()
    {
        string root = RepositoryRoot();
        string[] markers = ["<<<<<<< ", ">>>>>>> "];
        var offenders = new[] { "*.md", "*.cs", "*.csproj", "*.props", "*.sln" }
            .SelectMany(pattern => Directory.GetFiles(root, pattern, SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(line => markers.Any(m => line.StartsWith(m, StringComparison.Ordinal)) || line == "======="))
            .Select(f => Path.GetRelativePath(root, f));
        Assert.Empty(offenders);
    }

    /// <summary>The nearest directory above the test binaries that holds LossGen.sln.</summary>
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LossGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No LossGen.sln above {AppContext.BaseDirectory}.");
    }
}
