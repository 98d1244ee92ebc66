using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace StreamHandlers.Generator.Helpers;

/// <summary>An equatable stand-in for <see cref="Location"/>, which must not be held in a pipeline model.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());
}
