using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using StreamHandlers.Internal;
using StreamHandlers.Runtime.Tests.Infrastructure;

namespace StreamHandlers.Runtime.Tests;

/// <summary>One measurement of the <c>StreamHandlers</c> meter: instrument, value and tags.</summary>
public sealed record ObservedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string key) => Tags.TryGetValue(key, out var value) ? value?.ToString() : null;

    public override string ToString() =>
        $"{Instrument}={Value} {{{string.Join(", ", Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))}}}";
}

/// <summary>
/// Every measurement of the <c>StreamHandlers</c> meter whose <c>messaging.destination.name</c> is one stream. The
/// meter is static and shared by every test of the process, and other test classes run in parallel, so
/// measurements are told apart by that tag (each test class here uses stream names of its own).
/// </summary>
public sealed class StreamMetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _stream;
    private readonly ConcurrentQueue<ObservedMeasurement> _measurements = new();
    private readonly ConcurrentDictionary<(string Instrument, string? Group), long> _gauges = new();

    public StreamMetricsRecorder(string stream)
    {
        _stream = stream;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StreamHandlersMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every non-observable measurement of the stream so far.</summary>
    public IReadOnlyList<ObservedMeasurement> Measurements => [.. _measurements];

    /// <summary>The measurements of one instrument.</summary>
    public IReadOnlyList<ObservedMeasurement> Of(string instrument) => Measurements.Where(m => m.Instrument == instrument).ToArray();

    /// <summary>The sum of a counter's measurements.</summary>
    public long Sum(string instrument) => (long)Of(instrument).Sum(m => m.Value);

    /// <summary>How many values a histogram recorded.</summary>
    public int Count(string instrument) => Of(instrument).Count;

    /// <summary>
    /// Runs the observable instruments' callbacks now and returns the gauges of the stream: keyed by instrument and
    /// group (null for the stream-level length).
    /// </summary>
    public IReadOnlyDictionary<(string Instrument, string? Group), long> ObserveGauges()
    {
        _gauges.Clear();
        _listener.RecordObservableInstruments();
        return new Dictionary<(string, string?), long>(_gauges);
    }

    public string Describe() =>
        string.Join(Environment.NewLine, Measurements.GroupBy(m => m.Instrument).Select(g => $"{g.Key}: {g.Count()} measurement(s), sum {g.Sum(m => m.Value)}"));

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        if (!copy.TryGetValue("messaging.destination.name", out var destination) || destination as string != _stream)
        {
            return;
        }

        var number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        if (instrument.IsObservable)
        {
            var group = copy.TryGetValue("messaging.consumer.group.name", out var g) ? g as string : null;
            _gauges[(instrument.Name, group)] = (long)number;
            return;
        }

        _measurements.Enqueue(new ObservedMeasurement(instrument.Name, number, copy));
    }
}

/// <summary>
/// Records every activity of the <c>StreamHandlers</c> source when it stops, sampled with all data, into a
/// <see cref="Probe{T}"/> to wait on. The listener is process-wide, so tests filter by the destination tag.
/// </summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener _listener;

    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StreamHandlersMetrics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => Stopped.Add(activity),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The activities of the source, in the order they stopped.</summary>
    public Probe<Activity> Stopped { get; } = new();

    /// <summary>Waits for the stopped activity named <paramref name="operation"/> that matches <paramref name="match"/>.</summary>
    public Task<Activity> WaitForAsync(string operation, Func<Activity, bool> match, string because, TimeSpan? timeout = null) =>
        Stopped.WaitForAsync(a => a.OperationName == operation && match(a), because, timeout);

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// Holds stream handlers while closed: each handler records that it entered, then waits until the gate opens.
/// Open lets every waiting and later handler through; Close holds the following ones again.
/// </summary>
public sealed class ObservabilityGate
{
    private readonly object _lock = new();
    private TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ObservabilityGate(bool open = false)
    {
        if (open)
        {
            _open.TrySetResult();
        }
    }

    /// <summary>The messages whose handlers entered, in order.</summary>
    public Probe<string> Entered { get; } = new();

    /// <summary>The messages whose handlers finished, in order.</summary>
    public Probe<string> Finished { get; } = new();

    public void Open()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    public void Close()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public async Task PassAsync(string message, CancellationToken cancellationToken)
    {
        Task open;
        lock (_lock)
        {
            open = _open.Task;
        }

        Entered.Add(message);
        await open.WaitAsync(cancellationToken);
        Finished.Add(message);
    }
}

/// <summary>Shorthands for the observability tests.</summary>
public static class ObservabilityKit
{
    /// <summary>
    /// <c>XINFO GROUPS key</c> sent as a raw command, one dictionary of fields per group (values as the server
    /// wrote them; <c>lag</c> may be nil).
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyDictionary<string, RedisResult>>> XInfoGroupsAsync(IDatabase db, string stream)
    {
        var reply = await db.ExecuteAsync("XINFO", "GROUPS", stream);
        var groups = new List<IReadOnlyDictionary<string, RedisResult>>();
        foreach (var group in (RedisResult[])reply!)
        {
            var fields = (RedisResult[])group!;
            var map = new Dictionary<string, RedisResult>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                map[(string)fields[i]!] = fields[i + 1];
            }

            groups.Add(map);
        }

        return groups;
    }

    /// <summary>Waits until two reads of the group's state, <paramref name="apart"/> apart, agree; returns that state.</summary>
    public static async Task<StreamGroupInfo> StableGroupAsync(IDatabase db, string stream, string group, TimeSpan apart, TimeSpan timeout, string because)
    {
        StreamGroupInfo result = default;
        await Testing.Wait.UntilAsync(
            async () =>
            {
                var first = await ServerState.GroupAsync(db, stream, group);
                await Task.Delay(apart);
                var second = await ServerState.GroupAsync(db, stream, group);
                result = second;
                return first.PendingMessageCount == second.PendingMessageCount
                    && first.Lag == second.Lag
                    && first.LastDeliveredId == second.LastDeliveredId
                    && first.EntriesRead == second.EntriesRead;
            },
            timeout,
            because);
        return result;
    }
}
