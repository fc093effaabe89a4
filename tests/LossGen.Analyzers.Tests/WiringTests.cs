using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// The repository's own code is checked by the analyzers in every build: the catalogue, the samples and
/// the test projects load LossGen.Analyzers the way they load the generator, and warnings are errors, so
/// an LG02xx finding in any of them fails <c>dotnet build</c>. This keeps that wiring from being dropped.
/// </summary>
public sealed class WiringTests
{
    public static TheoryData<string> Projects()
    {
        string root = RepositoryRoot();
        IEnumerable<string> projects = new[] { Path.Combine(root, "src", "LossGen", "LossGen.csproj") }
            .Concat(Directory.GetFiles(Path.Combine(root, "samples"), "*.csproj", SearchOption.AllDirectories))
            .Concat(Directory.GetFiles(Path.Combine(root, "tests"), "*.csproj", SearchOption.AllDirectories))
            // This project references the analyzer as a library to test it, and calls no loss; the package test calls no
            // loss either, and its consumers get the analyzers from the packages, as a user does (the test checks LG0201 there).
            .Where(p => Path.GetFileNameWithoutExtension(p) is not ("LossGen.Analyzers.Tests" or "LossGen.Package.Tests" or "Consumer" or "TorchConsumer"));
        return new TheoryData<string>(projects.Select(p => Path.GetRelativePath(root, p).Replace('\\', '/')).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Project_runs_the_call_site_analyzers(string project)
    {
        XDocument document = XDocument.Load(Path.Combine(RepositoryRoot(), project));
        bool wired = document.Descendants("ProjectReference").Any(r =>
            ((string?)r.Attribute("Include"))?.Replace('\\', '/').EndsWith("analyzers/LossGen.Analyzers/LossGen.Analyzers.csproj", StringComparison.Ordinal) == true
            && (string?)r.Attribute("OutputItemType") == "Analyzer"
            && (string?)r.Attribute("ReferenceOutputAssembly") == "false");
        Assert.True(wired, $"{project} does not load LossGen.Analyzers as an analyzer (OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\")");
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
