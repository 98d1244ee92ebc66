using StreamHandlers.Generator.Helpers;

namespace StreamHandlers.Generator.Models;

internal enum HandlerKind
{
    Stream,
    Channel,
}

internal enum ReturnKind
{
    Void,
    Task,
    ValueTask,
}

internal enum MessageKind
{
    /// <summary>The entry's <c>data</c> field, or the Pub/Sub message, as text.</summary>
    String,

    /// <summary>The raw <c>StackExchange.Redis.StreamEntry</c>.</summary>
    StreamEntry,

    /// <summary>Any other type, read as JSON.</summary>
    Json,

    /// <summary>A nullable type (<c>Order?</c>, <c>int?</c>), read as JSON where the literal null is allowed.</summary>
    NullableJson,

    /// <summary>A <c>[StreamFields]</c> type, read field by field from the entry by its generated mapper (streams only).</summary>
    Fields,
}

internal enum ParameterKind
{
    Message,
    StreamContext,
    ChannelContext,
    CancellationToken,

    /// <summary>Resolved from the message's scope; the handler fails if it is not registered.</summary>
    RequiredService,

    /// <summary>Nullable or defaulted: resolved from the message's scope, or null when it is not registered.</summary>
    OptionalService,
}

/// <summary>One parameter of a handler, as the invoker binds it.</summary>
internal sealed record ParameterSpec(ParameterKind Kind, string TypeName);

/// <summary>
/// One attribute on one method: everything the emitter needs to write its invoker and its registration.
/// Type names are fully qualified with <c>global::</c>.
/// </summary>
internal sealed record HandlerSpec(
    HandlerKind Kind,
    string Namespace,
    string ContainingTypeName,
    string ContainingTypeDisplayName,
    string MethodName,
    int Ordinal,
    bool IsStatic,
    ReturnKind ReturnKind,
    MessageKind MessageKind,
    string MessageTypeName,
    EquatableArray<ParameterSpec> Parameters,
    string Key,
    StreamOptionsSpec? Stream,
    ChannelOptionsSpec? Channel);

/// <summary>The values of a <c>[StreamHandler]</c> attribute, defaults applied.</summary>
internal sealed record StreamOptionsSpec(
    string Group,
    int MaxRetries,
    string DeadLetterStream,
    int BatchSize,
    int Concurrency,
    int RetryDelayMs,
    int ClaimIdleMs,
    int Start);

/// <summary>The values of a <c>[ChannelSubscriber]</c> attribute.</summary>
internal sealed record ChannelOptionsSpec(bool Pattern, bool Sharded, int Concurrency);

/// <summary>The (stream, group) of one stream handler and where it was declared, to find duplicates.</summary>
internal sealed record HandlerKey(string Stream, string Group, string HandlerName, LocationInfo? Location);

/// <summary>What parsing one attributed method produced.</summary>
internal sealed record MethodParseResult(
    EquatableArray<HandlerSpec> Handlers,
    EquatableArray<HandlerKey> Keys,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public static readonly MethodParseResult Empty = new(
        EquatableArray<HandlerSpec>.Empty,
        EquatableArray<HandlerKey>.Empty,
        EquatableArray<DiagnosticInfo>.Empty);
}
