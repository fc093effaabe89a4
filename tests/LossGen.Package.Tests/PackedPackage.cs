using System;
using System.Collections.Generic;
using System.IO;
using LossGen.Package.Tests.Infrastructure;

namespace LossGen.Package.Tests;

/// <summary>
/// The LossGen package, packed once for the tests of <see cref="PackageTests"/> into a temporary folder
/// that is deleted afterwards (set LOSSGEN_KEEP_PACKAGE_TEST=1 to keep it and read it).
/// </summary>
public sealed class PackedPackage : IDisposable
{
    public PackedPackage()
    {
        RepositoryRoot = FindRepositoryRoot();
        WorkFolder = Directory.CreateTempSubdirectory("lossgen-package-test-").FullName;
        Feed = Path.Combine(WorkFolder, "feed");

        // NuGet extracts a package id and version once and reuses it forever: every run packs a version
        // of its own, so a consumer never sees the package of an earlier run.
        Version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfffffff}";

        // Built as a release is (-c Release, ContinuousIntegrationBuild), in a bin/obj of its own
        // (--artifacts-path), so the repository's own build output is neither used nor touched.
        Pack = DotNet.Run(RepositoryRoot, new Dictionary<string, string?>(),
            "pack", Path.Combine(RepositoryRoot, "src", "LossGen", "LossGen.csproj"),
            "-c", "Release", "-o", Feed, "--artifacts-path", Path.Combine(WorkFolder, "artifacts"),
            $"-p:Version={Version}", "-p:ContinuousIntegrationBuild=true", "-tl:off", "-nodeReuse:false");
        PackagePath = Path.Combine(Feed, $"LossGen.{Version}.nupkg");

        // The TorchSharp bridge, the second package, in the same feed and version: it depends on this LossGen.
        TorchPack = DotNet.Run(RepositoryRoot, new Dictionary<string, string?>(),
            "pack", Path.Combine(RepositoryRoot, "src", "LossGen.TorchSharp", "LossGen.TorchSharp.csproj"),
            "-c", "Release", "-o", Feed, "--artifacts-path", Path.Combine(WorkFolder, "artifacts"),
            $"-p:Version={Version}", "-p:ContinuousIntegrationBuild=true", "-tl:off", "-nodeReuse:false");
        TorchPackagePath = Path.Combine(Feed, $"LossGen.TorchSharp.{Version}.nupkg");
    }

    public string RepositoryRoot { get; }

    /// <summary>The temporary folder everything of this run lives in.</summary>
    public string WorkFolder { get; }

    /// <summary>The local folder feed holding the package.</summary>
    public string Feed { get; }

    public string Version { get; }

    internal CommandResult Pack { get; }

    public string PackagePath { get; }

    internal CommandResult TorchPack { get; }

    public string TorchPackagePath { get; }

    public void AssertTorchPacked()
    {
        if (TorchPack.ExitCode != 0 || !File.Exists(TorchPackagePath))
        {
            throw new InvalidOperationException($"No package at {TorchPackagePath}: {TorchPack}");
        }
    }

    /// <summary>Fails with the pack's output unless the package was made.</summary>
    public void AssertPacked()
    {
        if (Pack.ExitCode != 0 || !File.Exists(PackagePath))
        {
            throw new InvalidOperationException($"No package at {PackagePath}: {Pack}");
        }
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("LOSSGEN_KEEP_PACKAGE_TEST") != "1")
        {
            Directory.Delete(WorkFolder, recursive: true);
        }
    }

    /// <summary>The nearest directory above the test binaries that holds LossGen.sln.</summary>
    private static string FindRepositoryRoot()
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
