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
/// registration that <c>AddStreamHandlers</c> uses; finds <c>[StreamFields]</c> types and emits their field mappers.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class StreamHandlersGenerator : IIncrementalGenerator
{
    private const string RegistrationHintName = "StreamHandlers.Registration.g.cs";

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

        var fieldsResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                FieldsParser.StreamFieldsAttribute,
                FieldsParser.IsCandidate,
                static (ctx, ct) => FieldsParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.StreamFieldsTypes);

        var fieldsSpecs = fieldsResults
            .Select(static (result, _) => result.Spec)
            .WithTrackingName(TrackingNames.StreamFieldsSpecs);

        // One spec per type, in a stable order: a partial type that repeats the attribute is reported by the compiler.
        var allFieldsSpecs = fieldsSpecs.Collect()
            .Select(static (specs, _) => specs
                .OfType<StreamFieldsSpec>()
                .GroupBy(s => s.TypeName, StringComparer.Ordinal)
                .Select(g => g.First())
                .OrderBy(s => s.TypeName, StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(TrackingNames.AllStreamFieldsSpecs);

        var fieldsDiagnostics = fieldsResults
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.StreamFieldsDiagnostics);

        context.RegisterSourceOutput(fieldsDiagnostics, static (spc, items) =>
        {
            foreach (var item in items)
            {
                spc.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        // Handlers and mappers are written together so that no two files can get the same hint name.
        var models = handlers.Combine(allFieldsSpecs).WithTrackingName(TrackingNames.EmittedModels);
        context.RegisterSourceOutput(models, static (spc, pair) => Emit(spc, pair.Left, pair.Right));
    }

    private static void Emit(SourceProductionContext context, EquatableArray<HandlerSpec> handlers, EquatableArray<StreamFieldsSpec> fieldsTypes)
    {
        // The fixed names are taken first. A namespace and a nested type can share a dotted name, and a mapper's file
        // ({Type}.Fields.g.cs) that of a nested type named Fields: the later one (handlers first) gets a suffix.
        var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (handlers.Count > 0)
        {
            hintNames.Add(RegistrationHintName);
        }

        if (fieldsTypes.Count > 0)
        {
            hintNames.Add(FieldsEmitter.RegistrationHintName);
        }

        if (handlers.Count > 0)
        {
            EmitHandlers(context, handlers, hintNames);
        }

        if (fieldsTypes.Count > 0)
        {
            foreach (var spec in fieldsTypes)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                context.AddSource(Unique(FieldsEmitter.HintName(spec), hintNames), FieldsEmitter.EmitMapper(spec));
            }

            context.AddSource(FieldsEmitter.RegistrationHintName, FieldsEmitter.EmitRegistration(fieldsTypes));
        }
    }

    private static void EmitHandlers(SourceProductionContext context, EquatableArray<HandlerSpec> handlers, HashSet<string> hintNames)
    {
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

        foreach (var typeHandlers in byType)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var (hintName, source) = Emitter.EmitType(typeHandlers);
            context.AddSource(Unique(hintName, hintNames), source);
        }

        context.AddSource(RegistrationHintName, Emitter.EmitRegistration(byType.Select(t => t[0]).ToImmutableArray()));
    }

    /// <summary>The hint name, or with <c>.2</c>, <c>.3</c>, … before <c>.g.cs</c> when it is taken; then taken.</summary>
    private static string Unique(string hintName, HashSet<string> taken)
    {
        var unique = hintName;
        for (var n = 2; !taken.Add(unique); n++)
        {
            unique = hintName.Substring(0, hintName.Length - ".g.cs".Length) + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
        }

        return unique;
    }
}
