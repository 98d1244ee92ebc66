using System;
using System.Text;

namespace StreamHandlers.Generator.Helpers;

/// <summary>A small indented text writer for generated source; lines end with '\n' whatever the platform.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public SourceWriter WriteLine(string line = "")
    {
        if (line.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
        }

        _builder.Append(line).Append('\n');
        return this;
    }

    /// <summary>Writes each line of a multi-line block (a raw string literal) at the current indentation.</summary>
    public SourceWriter WriteLines(string block)
    {
        foreach (var line in block.Replace("\r\n", "\n").Split('\n'))
        {
            WriteLine(line);
        }

        return this;
    }

    public SourceWriter OpenBrace()
    {
        WriteLine("{");
        _indent++;
        return this;
    }

    public SourceWriter CloseBrace(string suffix = "")
    {
        _indent--;
        WriteLine("}" + suffix);
        return this;
    }

    public IDisposable Block(string header)
    {
        WriteLine(header);
        OpenBrace();
        return new Closer(this);
    }

    public override string ToString() => _builder.ToString();

    private sealed class Closer(SourceWriter writer) : IDisposable
    {
        public void Dispose() => writer.CloseBrace();
    }
}
