using System;
using System.Threading.Tasks;

namespace StreamHandlers.Infrastructure;

/// <summary>A handler found by the source generator: what <see cref="StreamHandlersOptions.HandlerFilter"/> sees.</summary>
public abstract class HandlerDescriptor
{
    private protected HandlerDescriptor()
    {
    }

    /// <summary>The type that declares the handler method.</summary>
    public required Type HandlerType { get; init; }

    /// <summary>The handler's name for logs: <c>"Namespace.Type.Method"</c>.</summary>
    public required string HandlerName { get; init; }

    /// <summary>The stream key or channel name the handler reads.</summary>
    public abstract string Key { get; }

    /// <summary>
    /// Whether the invoker takes anything from the message's service scope (an instance handler, or a service
    /// parameter). When not, no scope is created per message.
    /// </summary>
    public bool UsesServices { get; init; } = true;
}

/// <summary>A <see cref="StreamHandlerAttribute"/> method, with the attribute's values and defaults applied.</summary>
public sealed class StreamHandlerDescriptor : HandlerDescriptor
{
    /// <summary>The stream key.</summary>
    public required string Stream { get; init; }

    /// <summary>The consumer group.</summary>
    public required string Group { get; init; }

    /// <summary>The dead-letter stream.</summary>
    public required string DeadLetterStream { get; init; }

    /// <summary>Retries after the first failed attempt.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Entries per read.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Entries handled at once by this process.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Delay before the first retry, in milliseconds.</summary>
    public int RetryDelayMs { get; init; } = 1000;

    /// <summary>Idle time after which a dead consumer's pending entry is claimed, in milliseconds.</summary>
    public int ClaimIdleMs { get; init; } = 60000;

    /// <summary>Where a newly created group starts.</summary>
    public StreamStart Start { get; init; }

    /// <summary>Binds an entry and calls the handler method.</summary>
    public required Func<StreamInvocation, ValueTask> Invoker { get; init; }

    /// <inheritdoc />
    public override string Key => Stream;

    /// <inheritdoc />
    public override string ToString() => $"{HandlerName} (stream '{Stream}', group '{Group}')";
}

/// <summary>A <see cref="ChannelSubscriberAttribute"/> method, with the attribute's values applied.</summary>
public sealed class ChannelSubscriberDescriptor : HandlerDescriptor
{
    /// <summary>The channel, or the pattern when <see cref="Pattern"/> is set.</summary>
    public required string Channel { get; init; }

    /// <summary>Whether <see cref="Channel"/> is a PSUBSCRIBE pattern.</summary>
    public bool Pattern { get; init; }

    /// <summary>Whether the subscription is sharded (SSUBSCRIBE).</summary>
    public bool Sharded { get; init; }

    /// <summary>Messages handled at once.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Binds a message and calls the handler method.</summary>
    public required Func<ChannelInvocation, ValueTask> Invoker { get; init; }

    /// <inheritdoc />
    public override string Key => Channel;

    /// <inheritdoc />
    public override string ToString() => $"{HandlerName} (channel '{Channel}')";
}
