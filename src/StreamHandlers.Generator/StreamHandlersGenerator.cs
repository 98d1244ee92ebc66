using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using StreamHandlers.Generator.Helpers;
using StreamHandlers.Generator.Models;

namespace StreamHandlers.Generator;

/// <summary>
/// Finds <c>[StreamHandler]</c> and <c>[ChannelSubscriber]</c> methods and emits their invokers and the
/// registration that <c>AddStreamHandlers</c> uses.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class StreamHandlersGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var streamResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.StreamHandlerAttribute,
                Parser.IsCandidate,
                static (ctx, ct) => Parser.Parse(ctx, HandlerKind.Stream, ct))
            .WithTrackingName(TrackingNames.StreamHandlers);

        var channelResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.ChannelSubscriberAttribute,
                Parser.IsCandidate,
                static (ctx, ct) => Parser.Parse(ctx, HandlerKind.Channel, ct))
            .WithTrackingName(TrackingNames.ChannelSubscribers);

        var results = streamResults.Collect()
            .Combine(channelResults.Collect())
            .Select(static (pair, _) => pair.Left.AddRange(pair.Right))
            .WithTrackingName(TrackingNames.AllHandlers);

        var handlers = results
            .Select(static (all, _) => all.SelectMany(r => r.Handlers).ToEquatableArray())
            .WithTrackingName(TrackingNames.Handlers);

        var diagnostics = results
            .Select(static (all, _) => all.SelectMany(r => r.Diagnostics).Distinct().ToEquatableArray())
            .WithTrackingName(TrackingNames.Diagnostics);

        var keys = results
            .Select(static (all, _) => all.SelectMany(r => r.Keys).ToEquatableArray())
            .WithTrackingName(TrackingNames.HandlerKeys);

        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (var item in items)
            {
                spc.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        context.RegisterSourceOutput(keys, static (spc, items) =>
        {
            foreach (var duplicate in DuplicateFinder.Find(items))
            {
                spc.ReportDiagnostic(duplicate.ToDiagnostic());
            }
        });

        context.RegisterSourceOutput(handlers, static (spc, items) => Emit(spc, items));
    }

    private static void Emit(SourceProductionContext context, EquatableArray<HandlerSpec> handlers)
    {
        if (handlers.Count == 0)
        {
            return;
        }

        var byType = handlers
            .GroupBy(h => h.ContainingTypeName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g
                .OrderBy(h => h.MethodName, StringComparer.Ordinal)
                .ThenBy(h => h.Kind)
                .ThenBy(h => h.Key, StringComparer.Ordinal)
                .ThenBy(h => h.Ordinal)
                .ToImmutableArray())
            .ToImmutableArray();

        // A namespace and a nested type can share a dotted name; the later one (in ordinal order) gets a suffix.
        var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var typeHandlers in byType)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var (hintName, source) = Emitter.EmitType(typeHandlers);
            var unique = hintName;
            for (var n = 2; !hintNames.Add(unique); n++)
            {
                unique = hintName.Substring(0, hintName.Length - ".g.cs".Length) + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
            }

            context.AddSource(unique, source);
        }

        context.AddSource("StreamHandlers.Registration.g.cs", Emitter.EmitRegistration(byType.Select(t => t[0]).ToImmutableArray()));
    }
}
