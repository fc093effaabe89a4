namespace LossGen.Generators.Tests.Infrastructure;

/// <summary>Checks on the text of generated sources.</summary>
internal static class GeneratedText
{
    /// <summary>Fails on the first line that ends in a space or a tab, naming the file and the line.</summary>
    public static void AssertNoTrailingWhitespace(string name, string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length != line.TrimEnd().Length)
            {
                Assert.Fail($"{name}, line {i + 1} ends in whitespace: \"{line}\"");
            }
        }
    }
}
