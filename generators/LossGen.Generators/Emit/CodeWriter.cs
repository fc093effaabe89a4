using System;
using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace LossGen.Generators.Emit;

/// <summary>
/// What the emitters write generated code with: lines at the current indentation, and blocks that close themselves.
/// <c>using (w.Block()) { … }</c> writes the opening brace, indents the body and writes the closing brace when the scope
/// ends, so no emitter balances braces or indentation by hand. Lines end in "\n"; blank lines carry no indentation.
/// </summary>
internal sealed class CodeWriter
{
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture) { NewLine = "\n" };
    private readonly IndentedTextWriter _lines;

    public CodeWriter() => _lines = new IndentedTextWriter(_text, "    ");

    public void WriteLine(string line) => _lines.WriteLine(line);

    public void BlankLine() => _lines.WriteLineNoTabs(string.Empty);

    /// <summary>A line one level in: an expression body or a constructor's initializer, under its declaration.</summary>
    public void WriteLineIndented(string line)
    {
        using (Indented())
        {
            WriteLine(line);
        }
    }

    /// <summary>
    /// A block: <paramref name="open"/> on a line of its own, the body one level in, then <paramref name="close"/>
    /// ("};" after a switch expression, "[" and "];" for a collection expression).
    /// </summary>
    public Scope Block(string open = "{", string close = "}")
    {
        WriteLine(open);
        _lines.Indent++;
        return new Scope(this, close, 1);
    }

    /// <summary>Lines one level in with nothing around them: a declaration's constraints, an expression body.</summary>
    public Scope Indented()
    {
        _lines.Indent++;
        return new Scope(this, null, 1);
    }

    /// <summary>A block under each header in turn, nested (a namespace, then the types that contain a method), closed together.</summary>
    public Scope Blocks(IEnumerable<string> headers)
    {
        int depth = 0;
        foreach (string header in headers)
        {
            WriteLine(header);
            WriteLine("{");
            _lines.Indent++;
            depth++;
        }

        return new Scope(this, "}", depth);
    }

    public override string ToString()
    {
        _lines.Flush();
        return _text.ToString();
    }

    /// <summary>An open block: disposing it steps out of its levels, writing the closing line of each.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly CodeWriter _writer;
        private readonly string? _close;
        private readonly int _depth;

        internal Scope(CodeWriter writer, string? close, int depth)
        {
            _writer = writer;
            _close = close;
            _depth = depth;
        }

        public void Dispose()
        {
            for (int level = 0; level < _depth; level++)
            {
                _writer._lines.Indent--;
                if (_close is not null)
                {
                    _writer.WriteLine(_close);
                }
            }
        }
    }
}
