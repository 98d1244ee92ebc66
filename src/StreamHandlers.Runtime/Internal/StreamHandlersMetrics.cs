using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StreamHandlers.Internal;

/// <summary>
/// The instruments of the <c>StreamHandlers</c> meter. Tags follow OpenTelemetry's messaging conventions
/// (<c>messaging.system</c>, <c>messaging.destination.name</c>).
/// </summary>
internal static class StreamHandlersMetrics
{
    public const string MeterName = "StreamHandlers";

    private static readonly Meter Meter = new(MeterName, typeof(StreamHandlersMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Pub/Sub messages taken off the connection into a subscriber's queue.</summary>
    public static readonly Counter<long> PubSubReceived = Meter.CreateCounter<long>(
        "streamhandlers.pubsub.received", unit: "{message}", description: "Pub/Sub messages received by a subscriber.");

    /// <summary>Pub/Sub messages dropped because the subscriber's queue was full.</summary>
    public static readonly Counter<long> PubSubDropped = Meter.CreateCounter<long>(
        "streamhandlers.pubsub.dropped", unit: "{message}", description: "Pub/Sub messages dropped because the subscriber's queue was full.");

    /// <summary>Pub/Sub messages whose handler threw or that could not be bound.</summary>
    public static readonly Counter<long> PubSubFailed = Meter.CreateCounter<long>(
        "streamhandlers.pubsub.failed", unit: "{message}", description: "Pub/Sub messages whose handler failed or that could not be bound.");

    public static TagList ChannelTags(string channel, string handler) => new()
    {
        { "messaging.system", "redis" },
        { "messaging.destination.name", channel },
        { "streamhandlers.handler", handler },
    };
}
