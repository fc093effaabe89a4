using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace LossGen.Generators.Tests.Infrastructure;

/// <summary>
/// Compares text with a committed file under Snapshots/. A missing file is written (outside CI) so
/// it can be reviewed, and the test still fails; LOSSGEN_UPDATE_SNAPSHOTS=1 rewrites every file.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(ProjectDirectory(callerPath), "Snapshots");
        string path = Path.Combine(directory, name);
        actual = Normalize(actual);
        bool update = Environment.GetEnvironmentVariable("LOSSGEN_UPDATE_SNAPSHOTS") == "1";
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        if (!File.Exists(path) || update)
        {
            if (ci && !update)
            {
                Assert.Fail($"Snapshot {name} is missing; run the tests locally and commit Snapshots/{name}.");
            }

            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            if (!update)
            {
                Assert.Fail($"Snapshot {name} written, review and commit it.");
            }

            return;
        }

        string expected = Normalize(File.ReadAllText(path));
        if (expected != actual)
        {
            string received = path + ".received";
            File.WriteAllText(received, actual);
            Assert.Fail($"Generated code differs from Snapshots/{name} (first difference at line {FirstDifference(expected, actual)}); "
                + $"the new text is in {Path.GetFileName(received)}. If the change is intended, rerun with LOSSGEN_UPDATE_SNAPSHOTS=1.");
        }
    }

    public static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    private static int FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }

    /// <summary>The directory of this test project's sources, found from a caller's source path.</summary>
    private static string ProjectDirectory(string callerPath)
    {
        for (string? dir = Path.GetDirectoryName(callerPath); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "LossGen.Generators.Tests.csproj")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException($"No test project above {callerPath}.");
    }
}
