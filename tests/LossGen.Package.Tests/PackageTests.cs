using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using LossGen.Package.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace LossGen.Package.Tests;

/// <summary>
/// The one LossGen package as a user gets it: its contents and metadata, and a console app
/// (Consumer/) that declares its own [Loss], restored from a local folder feed, built and run.
/// </summary>
/// <remarks>
/// Category "Package": it does not depend on the vector width, so CI runs it once, not once per width.
/// </remarks>
[Trait("Category", "Package")]
public sealed class PackageTests(PackedPackage package, ITestOutputHelper output) : IClassFixture<PackedPackage>
{
    /// <summary>
    /// Warning IDs the consumer's build must report in Consumer/CallSiteCases.cs (a Hinge call with
    /// {0, 1} labels), e.g. ["LG0201"]. Empty: none is required (an LG warning there is still allowed).
    /// </summary>
    private static readonly string[] s_expectedCallSiteWarnings = ["LG0201"];

    [Fact]
    public void The_package_holds_the_runtime_in_lib_and_the_compiler_plugins_in_analyzers()
    {
        package.AssertPacked();
        output.WriteLine($"pack: {package.Pack.Duration.TotalSeconds:F1} s");
        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        string[] files = zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToArray();
        output.WriteLine(string.Join('\n', files));

        Assert.Equal(["lib/net10.0/LossGen.dll", "lib/net10.0/LossGen.xml"], files.Where(f => f.StartsWith("lib/", StringComparison.Ordinal)));
        string[] plugins = files.Where(f => f.StartsWith("analyzers/", StringComparison.Ordinal)).ToArray();
        Assert.Contains("analyzers/dotnet/cs/LossGen.Generators.dll", plugins);
        Assert.Contains("analyzers/dotnet/cs/LossGen.Analyzers.dll", plugins);
        // Only LossGen's own assemblies: Roslyn is the compiler's, never shipped.
        Assert.All(plugins, f => Assert.Matches(@"^analyzers/dotnet/cs/LossGen\.[A-Za-z]+\.dll$", f));
        Assert.Contains("README.md", files);
        Assert.Contains("icon.png", files);
        Assert.DoesNotContain(files, f => f.EndsWith(".pdb", StringComparison.Ordinal));
        AssertReadmeForTheNuGetPage(zip);

        // The diagnostics' pages, which no help link can reach, travel in the package.
        string[] pages = files.Where(f => f.StartsWith("docs/diagnostics/LG", StringComparison.Ordinal)).ToArray();
        string pagesInRepository = Path.Combine(package.RepositoryRoot, "docs", "diagnostics");
        Assert.Equal(Directory.GetFiles(pagesInRepository, "LG*.md").Select(f => "docs/diagnostics/" + Path.GetFileName(f)).Order(StringComparer.Ordinal), pages);

        foreach (string dll in files.Where(f => f.EndsWith(".dll", StringComparison.Ordinal)))
        {
            AssertEmbeddedPdbWithMappedPaths(zip, dll);
        }

        Assert.Contains("/_/src/LossGen/LossMath.cs", PdbDocuments(zip, "lib/net10.0/LossGen.dll"));
        Assert.Contains("/_/generators/LossGen.Generators/LossGenerator.cs", PdbDocuments(zip, "analyzers/dotnet/cs/LossGen.Generators.dll"));
    }

    [Fact]
    public void The_package_depends_on_System_Numerics_Tensors_only_and_says_what_it_is()
    {
        package.AssertPacked();
        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        XElement metadata = ReadNuspec(zip).Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        XElement Element(string name) => metadata.Elements().Single(e => e.Name.LocalName == name);

        Assert.Equal("LossGen", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("expression", Element("license").Attribute("type")?.Value);
        Assert.Equal("README.md", Value("readme"));
        Assert.Equal("icon.png", Value("icon"));
        Assert.StartsWith("Copyright (c) 2026", Value("copyright"), StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+\.\d+: ", Value("releaseNotes"));
        // No invented home page: the project has no public URL yet, so the package names none (a clone with a real
        // remote still records it, through Source Link, in the repository element).
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "projectUrl");
        Assert.Contains("source generator", Value("description"), StringComparison.Ordinal);
        Assert.Contains("source-generator", Value("tags").Split(' '));

        // The generator and analyzer projects are inside the package, never dependencies of it.
        string[] dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => $"{e.Attribute("id")?.Value} {e.Attribute("version")?.Value}").ToArray();
        Assert.Equal(["System.Numerics.Tensors 10.0.15"], dependencies);
    }

    [Fact]
    public void A_console_app_declares_its_own_loss_builds_and_runs_against_the_package()
    {
        package.AssertPacked();
        string consumer = CopyConsumer();

        // The consumer's own NuGet packages folder: this run's package version is extracted there and
        // deleted with it. Everything else (System.Numerics.Tensors) is read in place from the machine's
        // packages folder, a fallback folder, so nothing is downloaded or copied again.
        string packages = Path.Combine(package.WorkFolder, "packages");
        WriteNuGetConfig(consumer, package.Feed, MachinePackagesFolder());
        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = packages };

        CommandResult build = DotNet.Run(consumer, environment,
            "build", "Consumer.csproj", "-c", "Release", $"-p:LossGenVersion={package.Version}", "-tl:off", "-nodeReuse:false");
        output.WriteLine($"consumer build: {build.Duration.TotalSeconds:F1} s");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(Directory.Exists(Path.Combine(packages, "lossgen", package.Version)), $"LossGen {package.Version} was not restored from the feed:\n{build.Output}");
        // A plug-in that fails to load is only a warning (CS8032), and its diagnostics then never come:
        // the one place a warning may come from is the deliberate call-site cases.
        string[] warnings = build.Output.Split('\n').Where(line => line.Contains(": warning ", StringComparison.Ordinal)).ToArray();
        Assert.All(warnings, w => Assert.True(w.Contains("CallSiteCases.cs(", StringComparison.Ordinal) && w.Contains(": warning LG", StringComparison.Ordinal), $"Unexpected warning: {w}"));
        foreach (string id in s_expectedCallSiteWarnings)
        {
            AssertWarning(build, id, "CallSiteCases.cs");
        }

        CommandResult run = DotNet.Run(consumer, environment, Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll"));
        Assert.True(run.ExitCode == 0, run.ToString());
        output.WriteLine(run.Output);
        Dictionary<string, double[]> printed = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => parts.Skip(1).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray());

        // pred [0.5, 2, -1, 3], target [0, 2.5, -1, 1]: d = [0.5, -0.5, 0, 2], Σd² = 4.5, n = 4.
        Assert.Equal([3.375], printed["scaled-square"]);                      // 3 · 4.5 / 4
        Assert.Equal([0.75, -0.75, 0, 3], printed["scaled-square-gradient"]);  // 3 · 2d / 4
        Assert.Equal([0.75], printed["scaled-square-formula"]);               // 3 · 0.5², one element in double
        Assert.Equal([1.125], printed["mse"]);
        Assert.Equal([4.5], printed["mse-sum"]);
        Assert.Equal([0.0], printed["hinge-zero-one-rejected-at-index"]);     // labels {0, 1}: the first 0 is at index 0
    }

    [Fact]
    public void A_library_referencing_only_LossGen_TorchSharp_gets_tensor_forms_of_its_own_losses_and_the_catalogue()
    {
        package.AssertPacked();
        package.AssertTorchPacked();
        using (ZipArchive zip = ZipFile.OpenRead(package.TorchPackagePath))
        {
            Assert.Contains("lib/net10.0/LossGen.TorchSharp.dll", zip.Entries.Select(e => e.FullName));
            // LossGen's analyzers must reach the user: NuGet's default would exclude them from the dependency.
            string nuspec = new StreamReader(zip.GetEntry("LossGen.TorchSharp.nuspec")!.Open()).ReadToEnd();
            Assert.Contains($"<dependency id=\"LossGen\" version=\"{package.Version}\" include=\"All\" />", nuspec);
            Assert.Contains("<dependency id=\"TorchSharp\"", nuspec);
            Assert.DoesNotContain("libtorch", nuspec);
            Assert.Contains("<icon>icon.png</icon>", nuspec);
            Assert.Contains("icon.png", zip.Entries.Select(e => e.FullName));
            AssertReadmeForTheNuGetPage(zip);
        }

        string consumer = CopyConsumer("TorchConsumer");
        string packages = Path.Combine(package.WorkFolder, "packages");
        WriteNuGetConfig(consumer, package.Feed, MachinePackagesFolder());
        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = packages };
        CommandResult build = DotNet.Run(consumer, environment,
            "build", "TorchConsumer.csproj", "-c", "Release", $"-p:LossGenVersion={package.Version}", "-tl:off", "-nodeReuse:false");
        output.WriteLine($"TorchSharp consumer build: {build.Duration.TotalSeconds:F1} s");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain(": warning ", build.Output);
    }

    /// <summary>The package README is the NuGet page: it links nowhere relative (no repository beside it there) and has the package's title.</summary>
    private static void AssertReadmeForTheNuGetPage(ZipArchive zip)
    {
        using var reader = new StreamReader(zip.GetEntry("README.md")!.Open());
        string readme = reader.ReadToEnd();
        Assert.StartsWith("# LossGen", readme, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\]\((?!https?://)", readme);
    }

    /// <summary>The build reported warning <paramref name="id"/> at a line of <paramref name="file"/>.</summary>
    private static void AssertWarning(CommandResult build, string id, string file)
    {
        bool reported = build.Output.Split('\n').Any(line =>
            line.Contains($"{file}(", StringComparison.Ordinal) && line.Contains($": warning {id}:", StringComparison.Ordinal));
        Assert.True(reported, $"The consumer's build did not report {id} in {file}:\n{build.Output}");
    }

    /// <summary>
    /// The DLL carries its PDB (so the package needs no symbol package), and the PDB names the
    /// repository's sources by their mapped path (/_/...), not the folder the package was built in.
    /// </summary>
    private void AssertEmbeddedPdbWithMappedPaths(ZipArchive zip, string entry)
    {
        string[] documents = PdbDocuments(zip, entry);
        output.WriteLine($"{entry}: {documents.Length} documents in its embedded PDB");
        Assert.All(documents, d => Assert.False(d.StartsWith(package.RepositoryRoot, StringComparison.Ordinal), $"{entry}'s PDB names {d}"));
        Assert.All(documents.Where(d => !d.Contains("/obj/", StringComparison.Ordinal)), d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
    }

    /// <summary>The source documents of the PDB embedded in <paramref name="entry"/>; fails if there is none.</summary>
    private static string[] PdbDocuments(ZipArchive zip, string entry)
    {
        using var bytes = new MemoryStream();
        using (Stream stream = zip.GetEntry(entry)!.Open())
        {
            stream.CopyTo(bytes);
        }

        bytes.Position = 0;
        using var pe = new PEReader(bytes);
        DebugDirectoryEntry embedded = pe.ReadDebugDirectory().SingleOrDefault(d => d.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        Assert.True(embedded.DataSize > 0, $"{entry} has no embedded PDB");
        Assert.Contains(pe.ReadDebugDirectory(), d => d.Type == DebugDirectoryEntryType.Reproducible);

        using MetadataReaderProvider pdb = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
        MetadataReader reader = pdb.GetMetadataReader();
        return reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToArray();
    }

    private static XElement ReadNuspec(ZipArchive zip)
    {
        using Stream stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream).Root!;
    }

    /// <summary>Consumer/ copied beside the feed, walled off from any Directory.Build.* or central versions above it.</summary>
    private string CopyConsumer(string name = "Consumer")
    {
        string source = Path.Combine(package.RepositoryRoot, "tests", "LossGen.Package.Tests", name);
        string consumer = Path.Combine(package.WorkFolder, name.ToLowerInvariant());
        Directory.CreateDirectory(consumer);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(consumer, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(consumer, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(consumer, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(consumer, "Directory.Packages.props"), "<Project />\n");
        return consumer;
    }

    /// <summary>
    /// The consumer's nuget.config: the local folder feed, added to the machine's own sources (the
    /// user-level NuGet.Config, which this file does not clear), and the machine's packages folder as
    /// a read-only fallback.
    /// </summary>
    private static void WriteNuGetConfig(string consumer, string feed, string machinePackages)
    {
        var config = new XElement("configuration",
            new XElement("packageSources",
                new XElement("add", new XAttribute("key", "lossgen-local"), new XAttribute("value", feed))),
            new XElement("fallbackPackageFolders",
                new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", machinePackages))));
        config.Save(Path.Combine(consumer, "nuget.config"));
    }

    /// <summary>The machine's global packages folder, as NuGet resolves it (NUGET_PACKAGES, NuGet.Config or ~/.nuget/packages).</summary>
    private static string MachinePackagesFolder()
    {
        CommandResult locals = DotNet.Run(Path.GetTempPath(), new Dictionary<string, string?>(), "nuget", "locals", "global-packages", "--list");
        Assert.True(locals.ExitCode == 0, locals.ToString());
        string line = locals.Output.Split('\n').Single(l => l.StartsWith("global-packages:", StringComparison.Ordinal));
        return line["global-packages:".Length..].Trim();
    }
}
