using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace LossGen.Generators.Tests.Infrastructure;

/// <summary>Source with expected diagnostic spans marked <c>[|like this|]</c>; the markers are removed.</summary>
internal static class MarkedSource
{
    public static (string Source, List<TextSpan> Spans) Parse(string marked)
    {
        var text = new StringBuilder();
        var spans = new List<TextSpan>();
        var open = new Stack<int>();
        for (int i = 0; i < marked.Length; i++)
        {
            if (string.CompareOrdinal(marked, i, "[|", 0, 2) == 0)
            {
                open.Push(text.Length);
                i++;
            }
            else if (string.CompareOrdinal(marked, i, "|]", 0, 2) == 0)
            {
                int start = open.Pop();
                spans.Add(TextSpan.FromBounds(start, text.Length));
                i++;
            }
            else
            {
                text.Append(marked[i]);
            }
        }

        Assert.Empty(open);
        return (text.ToString(), spans);
    }
}
