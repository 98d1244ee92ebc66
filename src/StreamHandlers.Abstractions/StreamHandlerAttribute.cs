using System;

namespace StreamHandlers;

/// <summary>
/// Marks a method as the handler of a Redis or Valkey stream, read through a consumer group.
/// </summary>
/// <remarks>
/// <para>
/// The StreamHandlers source generator binds the method's parameters at compile time. The first parameter is the
/// message: a <see cref="string"/> (the entry's <c>data</c> field), a <c>StackExchange.Redis.StreamEntry</c> (the raw
/// entry), or any other type, read as JSON from the <c>data</c> field. Then, in any order: a
/// <see cref="StreamMessageContext"/>, a <see cref="System.Threading.CancellationToken"/>, and services resolved from the
/// message's dependency-injection scope.
/// </para>
/// <para>
/// An entry is acknowledged only after the handler completed. A handler that throws is retried after
/// <see cref="RetryDelayMs"/> (doubling each retry), and dead-lettered to <see cref="DeadLetterStream"/> after
/// 1 + <see cref="MaxRetries"/> failed attempts.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class StreamHandlerAttribute : Attribute
{
    /// <summary>Declares a handler of the stream <paramref name="stream"/>.</summary>
    /// <param name="stream">The stream key, for example <c>"ai:tasks"</c>.</param>
    public StreamHandlerAttribute(string stream)
    {
        Stream = stream;
    }

    /// <summary>The stream key.</summary>
    public string Stream { get; }

    /// <summary>
    /// The consumer group. Defaults to <c>"{declaring type full name}.{method name}"</c>, so that two handlers of one
    /// stream each see every entry.
    /// </summary>
    public string? Group { get; set; }

    /// <summary>
    /// How many times a failed entry is retried after its first attempt (default 3). The handler runs at most
    /// 1 + <see cref="MaxRetries"/> times for one entry; the entry is then moved to <see cref="DeadLetterStream"/>.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The stream that failed entries are moved to. Defaults to <c>"{Stream}:dlq"</c>.</summary>
    public string? DeadLetterStream { get; set; }

    /// <summary>How many entries one read asks the server for (XREADGROUP COUNT, default 16).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>
    /// How many entries this process handles at once for this handler (default 1). With 1 the entries are handled
    /// in stream order.
    /// </summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>
    /// The delay in milliseconds before the first retry of a failed entry (default 1000); each further retry waits
    /// twice as long as the one before.
    /// </summary>
    public int RetryDelayMs { get; set; } = 1000;

    /// <summary>
    /// How long in milliseconds an entry may stay pending on a consumer that has stopped before a live consumer of
    /// the group claims it (default 60000).
    /// </summary>
    public int ClaimIdleMs { get; set; } = 60000;

    /// <summary>Where a consumer group created by this handler starts reading (default <see cref="StreamStart.NewEntries"/>).</summary>
    public StreamStart Start { get; set; } = StreamStart.NewEntries;
}
