using System;
using System.Collections.Generic;
using System.Linq;
using StreamHandlers.Generator.Helpers;
using StreamHandlers.Generator.Models;

namespace StreamHandlers.Generator;

/// <summary>Finds stream handlers of one compilation that share a (stream, group) pair.</summary>
internal static class DuplicateFinder
{
    public static IEnumerable<DiagnosticInfo> Find(EquatableArray<HandlerKey> keys)
    {
        var firstByKey = new Dictionary<(string, string), HandlerKey>();

        // Order by place so that the first declaration keeps its name and every later one is reported.
        var ordered = keys
            .OrderBy(k => k.Location?.FilePath ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(k => k.Location?.TextSpan.Start ?? 0);
        foreach (var key in ordered)
        {
            if (firstByKey.TryGetValue((key.Stream, key.Group), out var first))
            {
                yield return DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateStreamGroup, key.Location, key.Stream, key.Group, first.HandlerName);
            }
            else
            {
                firstByKey.Add((key.Stream, key.Group), key);
            }
        }
    }
}
