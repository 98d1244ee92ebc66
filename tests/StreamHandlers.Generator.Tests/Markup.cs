using System;
using Microsoft.CodeAnalysis.Text;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// Marks the text a diagnostic must cover with <c>/*[|*/</c> and <c>/*|]*/</c>. The markers are comments, so the
/// marked source compiles as it is and its spans are those of the compiled file.
/// </summary>
internal static class Markup
{
    public const string Start = "/*[|*/";
    public const string End = "/*|]*/";

    public static TextSpan Span(string source)
    {
        var start = source.IndexOf(Start, StringComparison.Ordinal);
        var end = source.IndexOf(End, StringComparison.Ordinal);
        if (start < 0 || end < start || source.IndexOf(Start, start + 1, StringComparison.Ordinal) >= 0)
        {
            throw new ArgumentException($"The source needs exactly one {Start} … {End} pair.", nameof(source));
        }

        start += Start.Length;
        return TextSpan.FromBounds(start, end);
    }
}
