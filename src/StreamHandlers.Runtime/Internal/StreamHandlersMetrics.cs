using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>
/// The instruments of the <c>StreamHandlers</c> meter and the <c>StreamHandlers</c> activity source. Names and tags
/// follow OpenTelemetry's messaging conventions where they apply (<c>messaging.process.duration</c>,
/// <c>messaging.system</c>, <c>messaging.destination.name</c>, <c>messaging.consumer.group.name</c>, <c>error.type</c>).
/// </summary>
internal static class StreamHandlersMetrics
{
    public const string MeterName = "StreamHandlers";
    public const string ActivitySourceName = "StreamHandlers";

    /// <summary>The W3C trace context field a published entry carries, read back when the entry is handled.</summary>
    public const string TraceParentField = "traceparent";
    public const string TraceStateField = "tracestate";

    private static readonly string? Version = typeof(StreamHandlersMetrics).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName, Version);

    private static readonly Meter Meter = new(MeterName, Version);

    /// <summary>Stream entries whose handler completed (and that are being acknowledged).</summary>
    public static readonly Counter<long> Handled = Meter.CreateCounter<long>(
        "streamhandlers.entries.handled", unit: "{entry}", description: "Stream entries whose handler completed.");

    /// <summary>Failed attempts: the handler threw, or the entry could not be bound.</summary>
    public static readonly Counter<long> Failed = Meter.CreateCounter<long>(
        "streamhandlers.entries.failed", unit: "{entry}", description: "Failed attempts to handle a stream entry.");

    /// <summary>Failed entries scheduled for another attempt.</summary>
    public static readonly Counter<long> Retried = Meter.CreateCounter<long>(
        "streamhandlers.entries.retried", unit: "{entry}", description: "Failed stream entries scheduled for a retry.");

    /// <summary>Entries moved to their dead-letter stream.</summary>
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>(
        "streamhandlers.entries.dead_lettered", unit: "{entry}", description: "Stream entries moved to the dead-letter stream.");

    /// <summary>Entries claimed from consumers that stopped.</summary>
    public static readonly Counter<long> Claimed = Meter.CreateCounter<long>(
        "streamhandlers.entries.claimed", unit: "{entry}", description: "Stream entries claimed from consumers that stopped.");

    /// <summary>How long a handler ran, per entry or message.</summary>
    public static readonly Histogram<double> ProcessDuration = Meter.CreateHistogram<double>(
        "messaging.process.duration", unit: "s", description: "Duration of handling a stream entry or Pub/Sub message.");

    /// <summary>Pub/Sub messages taken off the connection into a subscriber's queue.</summary>
    public static readonly Counter<long> PubSubReceived = Meter.CreateCounter<long>(
        "streamhandlers.pubsub.received", unit: "{message}", description: "Pub/Sub messages received by a subscriber.");

    /// <summary>Pub/Sub messages dropped because the subscriber's queue was full.</summary>
    public static readonly Counter<long> PubSubDropped = Meter.CreateCounter<long>(
        "streamhandlers.pubsub.dropped", unit: "{message}", description: "Pub/Sub messages dropped because the subscriber's queue was full.");

    /// <summary>Pub/Sub messages whose handler threw or that could not be bound.</summary>
    public static readonly Counter<long> PubSubFailed = Meter.CreateCounter<long>(
        "streamhandlers.pubsub.failed", unit: "{message}", description: "Pub/Sub messages whose handler failed or that could not be bound.");

    /// <summary>
    /// The observable gauges of stream length, pending and lag. They report the figures last read by each running
    /// <see cref="StreamHealthCollector"/>, refreshed at its interval, never on a scrape.
    /// </summary>
    public static readonly ObservableGauge<long> StreamLength = Meter.CreateObservableGauge(
        "streamhandlers.stream.length", () => StreamHealthCollector.MeasureStreams(h => h.Length), unit: "{entry}", description: "Entries in a stream that has a handler.");

    public static readonly ObservableGauge<long> GroupPending = Meter.CreateObservableGauge(
        "streamhandlers.group.pending", () => StreamHealthCollector.Measure(g => g.Pending), unit: "{entry}", description: "Entries delivered to a consumer group and not yet acknowledged.");

    public static readonly ObservableGauge<long> GroupLag = Meter.CreateObservableGauge(
        "streamhandlers.group.lag", () => StreamHealthCollector.Measure(g => g.Lag), unit: "{entry}", description: "Entries of the stream the consumer group has not read yet.");

    public static TagList StreamTags(string stream, string group) => new()
    {
        { "messaging.system", "redis" },
        { "messaging.destination.name", stream },
        { "messaging.consumer.group.name", group },
    };

    public static TagList ChannelTags(string channel, string handler) => new()
    {
        { "messaging.system", "redis" },
        { "messaging.destination.name", channel },
        { "streamhandlers.handler", handler },
    };

    /// <summary>
    /// A consumer activity for handling an entry, continuing the trace its <c>traceparent</c> field carries.
    /// <see langword="null"/> (and no work) when nobody listens.
    /// </summary>
    public static Activity? StartProcess(string stream, string group, string consumer, StreamEntry entry, long deliveryCount)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        RedisValue traceParent = RedisValue.Null, traceState = RedisValue.Null;
        foreach (var field in entry.Values ?? [])
        {
            if (field.Name == TraceParentField)
            {
                traceParent = field.Value;
            }
            else if (field.Name == TraceStateField)
            {
                traceState = field.Value;
            }
        }

        if (!traceParent.IsNull)
        {
            ActivityContext.TryParse(traceParent, traceState.IsNull ? null : (string?)traceState, isRemote: true, out parent);
        }

        var activity = ActivitySource.StartActivity($"process {stream}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.operation.name", "process");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", stream);
            activity.SetTag("messaging.consumer.group.name", group);
            activity.SetTag("messaging.message.id", entry.Id.ToString());
            activity.SetTag("messaging.client.id", consumer);
            activity.SetTag("streamhandlers.delivery_count", deliveryCount);
        }

        return activity;
    }

    /// <summary>A consumer activity for handling a Pub/Sub message; <see langword="null"/> when nobody listens.</summary>
    public static Activity? StartProcess(string channel)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var activity = ActivitySource.StartActivity($"process {channel}", ActivityKind.Consumer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.operation.name", "process");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", channel);
        }

        return activity;
    }

    /// <summary>A producer activity for publishing; <see langword="null"/> when nobody listens.</summary>
    public static Activity? StartSend(string destination, int count)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var activity = ActivitySource.StartActivity($"send {destination}", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", destination);
            if (count != 1)
            {
                activity.SetTag("messaging.batch.message_count", count);
            }
        }

        return activity;
    }

    /// <summary>
    /// The entry fields plus the current trace context (<c>traceparent</c>, <c>tracestate</c>), when there is one,
    /// so that the handling activity continues the producer's trace.
    /// </summary>
    public static NameValueEntry[] WithTraceContext(NameValueEntry[] fields)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } current)
        {
            return fields;
        }

        var state = current.TraceStateString;
        var extra = state is null ? 1 : 2;
        var result = new NameValueEntry[fields.Length + extra];
        fields.CopyTo(result, 0);
        result[fields.Length] = new NameValueEntry(TraceParentField, current.Id);
        if (state is not null)
        {
            result[fields.Length + 1] = new NameValueEntry(TraceStateField, state);
        }

        return result;
    }

    /// <summary>Marks an activity failed, as OpenTelemetry expects: status Error and <c>error.type</c>.</summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }
}
