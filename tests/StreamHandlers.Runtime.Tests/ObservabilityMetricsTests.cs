using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Infrastructure;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>A job of the metrics workload: <c>ok</c>, <c>fail</c> (always throws) or <c>flaky</c> (throws on its first delivery).</summary>
public sealed record ObsJob(string Kind);

public sealed class ObservabilityCounterHandlers
{
    public const string Stream = "obs:metrics";
    public const string Group = "g-obs-metrics";

    [StreamHandler(Stream, Group = Group, MaxRetries = 1, RetryDelayMs = 20)]
    public static void Handle(ObsJob job, StreamMessageContext context)
    {
        switch (job.Kind)
        {
            case "fail":
                throw new InvalidOperationException($"{context.Id} always fails");
            case "flaky" when context.DeliveryCount == 1:
                throw new InvalidOperationException($"{context.Id} fails on its first delivery");
        }
    }
}

public sealed class ObservabilityGaugeHandlers
{
    public const string Stream = "obs:gauges";
    public const string Group = "g-obs-gauges";

    // One entry per read keeps the read-ahead small, so that a held handler leaves entries unread (lag).
    [StreamHandler(Stream, Group = Group, BatchSize = 1)]
    public static Task Handle(string message, ObservabilityGate gate, CancellationToken cancellationToken) =>
        gate.PassAsync(message, cancellationToken);
}

public sealed class ObservabilityClaimHandlers
{
    public const string Stream = "obs:claim";
    public const string Group = "g-obs-claim";

    // The defaults (Concurrency = 1) but for a short ClaimIdleMs.
    [StreamHandler(Stream, Group = Group, ClaimIdleMs = 300)]
    public static void Handle(string message, StreamMessageContext context, Probe<Attempt> probe) =>
        probe.Add(new Attempt(context.Id, context.DeliveryCount, DateTimeOffset.UtcNow));
}

public sealed class ObservabilityConcurrentClaimHandlers
{
    public const string Stream = "obs:claim-concurrent";
    public const string Group = "g-obs-claim-concurrent";

    // The same with Concurrency = 2: the control for the Concurrency = 1 case.
    [StreamHandler(Stream, Group = Group, ClaimIdleMs = 300, Concurrency = 2)]
    public static void Handle(string message, StreamMessageContext context, Probe<Attempt> probe) =>
        probe.Add(new Attempt(context.Id, context.DeliveryCount, DateTimeOffset.UtcNow));
}

/// <summary>The counters, the duration histogram and the observable gauges of the StreamHandlers meter.</summary>
public sealed class ObservabilityMetricsTests(ITestOutputHelper output)
{
    private const string Handled = "streamhandlers.entries.handled";
    private const string Failed = "streamhandlers.entries.failed";
    private const string Retried = "streamhandlers.entries.retried";
    private const string DeadLettered = "streamhandlers.entries.dead_lettered";
    private const string Claimed = "streamhandlers.entries.claimed";
    private const string Duration = "messaging.process.duration";
    private const string Length = "streamhandlers.stream.length";
    private const string Pending = "streamhandlers.group.pending";
    private const string Lag = "streamhandlers.group.lag";

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Counters_and_duration_match_a_known_workload_exactly(ServerKind kind)
    {
        const string stream = ObservabilityCounterHandlers.Stream;
        const string group = ObservabilityCounterHandlers.Group;
        await using var server = await TestServer.StartAsync(kind);
        using var metrics = new StreamMetricsRecorder(stream);
        await using var host = await TestHost.StartAsync<ObservabilityCounterHandlers>(server.Server, output);
        var db = server.Db;

        // 10 entries: 6 good, 2 that always fail, 1 that fails once, 1 with invalid JSON.
        var kinds = new[] { "ok", "fail", "ok", "flaky", "ok", "bad-json", "ok", "fail", "ok", "ok" };
        foreach (var job in kinds)
        {
            if (job == "bad-json")
            {
                await db.StreamAddAsync(stream, "data", "{not json");
            }
            else
            {
                await host.Streams.PublishAsync(stream, new ObsJob(job));
            }
        }

        // The final state: the two failing entries (after 2 attempts each) and the invalid one dead-lettered, nothing pending.
        await Wait.UntilAsync(
            async () => await db.StreamLengthAsync(stream + ":dlq") == 3 && await ServerState.PendingAsync(db, stream, group) == 0,
            TimeSpan.FromSeconds(20),
            "three entries are dead-lettered and nothing is pending");

        // The counters are added right after the server's reply: wait for them with a bound, then assert exactly.
        await Wait.UntilAsync(
            () => metrics.Sum(Handled) >= 7 && metrics.Sum(Failed) >= 6 && metrics.Sum(Retried) >= 3 && metrics.Sum(DeadLettered) >= 3 && metrics.Count(Duration) >= 13,
            TimeSpan.FromSeconds(10),
            "the counters reached the workload's totals (" + metrics.Describe() + ")");
        output.WriteLine(metrics.Describe());

        Assert.Equal(7, metrics.Sum(Handled));        // 6 good + 1 after its retry
        Assert.Equal(6, metrics.Sum(Failed));         // 2 × 2 attempts + 1 first attempt + 1 invalid JSON
        Assert.Equal(3, metrics.Sum(Retried));        // 2 + 1
        Assert.Equal(3, metrics.Sum(DeadLettered));   // 2 + 1
        Assert.Equal(0, metrics.Sum(Claimed));
        Assert.Equal(13, metrics.Count(Duration));    // handled + failed
        Assert.All(metrics.Of(Duration), m => Assert.True(m.Value is >= 0 and < 10, $"a duration of {m.Value} s"));

        // Every measurement carries the stream and the group.
        foreach (var m in metrics.Measurements)
        {
            Assert.Equal("redis", m.Tag("messaging.system"));
            Assert.Equal(stream, m.Tag("messaging.destination.name"));
            Assert.Equal(group, m.Tag("messaging.consumer.group.name"));
        }

        // Failures name their error type; successes do not.
        Assert.All(metrics.Of(Handled), m => Assert.Null(m.Tag("error.type")));
        var failures = metrics.Of(Failed).GroupBy(m => m.Tag("error.type")).ToDictionary(g => g.Key ?? "(none)", g => g.Sum(m => (long)m.Value));
        Assert.Equal(
            new Dictionary<string, long> { [typeof(InvalidOperationException).FullName!] = 5, [typeof(MessageBindingException).FullName!] = 1 },
            failures);
        Assert.Equal(7, metrics.Of(Duration).Count(m => m.Tag("error.type") is null));
        Assert.Equal(6, metrics.Of(Duration).Count(m => m.Tag("error.type") is not null));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Gauges_report_length_pending_and_lag_as_XINFO_does(ServerKind kind)
    {
        const string stream = ObservabilityGaugeHandlers.Stream;
        const string group = ObservabilityGaugeHandlers.Group;
        await using var server = await TestServer.StartAsync(kind);
        using var metrics = new StreamMetricsRecorder(stream);
        var gate = new ObservabilityGate();
        await using var host = await TestHost.StartAsync<ObservabilityGaugeHandlers>(
            server.Server,
            output,
            s => s.AddSingleton(gate),
            o => o.MetricsInterval = TimeSpan.FromMilliseconds(200));
        var db = server.Db;

        try
        {
            // The handler holds the first entry; then 60 more arrive, more than the consumer reads ahead.
            await host.Streams.PublishAsync(stream, "first");
            await gate.Entered.WaitForCountAsync(1, "the handler holds the first entry");
            for (var i = 0; i < 60; i++)
            {
                await db.StreamAddAsync(stream, "data", $"m{i}");
            }

            var state = await ObservabilityKit.StableGroupAsync(db, stream, group, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(15), "the held group's state settles");
            Assert.True(state.Lag > 0, $"the held group lags (lag {state.Lag}, pending {state.PendingMessageCount})");
            Assert.Equal(61, state.PendingMessageCount + state.Lag);

            var gauges = await GaugesMatchingAsync(metrics, db, stream, group, "the gauges report the held group as XINFO does");
            Assert.Equal(61, gauges[(Length, null)]);
            Assert.Equal(state.PendingMessageCount, gauges[(Pending, group)]);
            Assert.Equal(state.Lag, gauges[(Lag, group)]);

            // Released, the group catches up and the gauges follow.
            gate.Open();
            await gate.Finished.WaitForCountAsync(61, "every entry was handled");
            await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, stream, group) == 0, TimeSpan.FromSeconds(10), "nothing is pending");
            gauges = await GaugesMatchingAsync(metrics, db, stream, group, "the gauges report the group caught up");
            Assert.Equal(61, gauges[(Length, null)]);
            Assert.Equal(0, gauges[(Pending, group)]);
            Assert.Equal(0, gauges[(Lag, group)]);
        }
        finally
        {
            gate.Open();
        }
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public Task Claimed_counts_entries_taken_over_from_a_consumer_that_stopped(ServerKind kind) =>
        ClaimAsync<ObservabilityClaimHandlers>(kind, ObservabilityClaimHandlers.Stream, ObservabilityClaimHandlers.Group);

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public Task Claimed_counts_entries_taken_over_from_a_consumer_that_stopped_with_Concurrency_2(ServerKind kind) =>
        ClaimAsync<ObservabilityConcurrentClaimHandlers>(kind, ObservabilityConcurrentClaimHandlers.Stream, ObservabilityConcurrentClaimHandlers.Group);

    /// <summary>
    /// Two entries left pending by a consumer that is gone are claimed after ClaimIdleMs, handled (delivery 2) and
    /// counted by streamhandlers.entries.claimed, with no error logged.
    /// </summary>
    private async Task ClaimAsync<THandlers>(ServerKind kind, string stream, string group)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;

        // Two entries delivered to a consumer that is gone, before the host starts.
        Assert.True(await db.StreamCreateConsumerGroupAsync(stream, group, "0", createStream: true));
        var ids = new[]
        {
            (string)(await db.StreamAddAsync(stream, "data", "left-1"))!,
            (string)(await db.StreamAddAsync(stream, "data", "left-2"))!,
        };
        Assert.Equal(2, (await db.StreamReadGroupAsync(stream, group, "gone-consumer", ">", count: 10)).Length);

        using var metrics = new StreamMetricsRecorder(stream);
        await using var host = await TestHost.StartAsync<THandlers>(server.Server, output, s => s.AddSingleton<Probe<Attempt>>());
        var probe = host.Get<Probe<Attempt>>();

        try
        {
            var seen = await probe.WaitForCountAsync(2, "both entries of the stopped consumer were claimed and handled", TimeSpan.FromSeconds(10));
            Assert.Equal(ids, seen.Select(a => a.Id));
            Assert.All(seen, a => Assert.Equal(2, a.DeliveryCount));
            await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, stream, group) == 0, TimeSpan.FromSeconds(10), "nothing is pending");
            await Wait.UntilAsync(() => metrics.Sum(Handled) >= 2, TimeSpan.FromSeconds(10), "both handled entries were counted");

            Assert.Equal(2, metrics.Sum(Claimed));
            Assert.Equal(2, metrics.Sum(Handled));
            Assert.All(metrics.Of(Claimed), m => Assert.Equal(group, m.Tag("messaging.consumer.group.name")));
        }
        finally
        {
            foreach (var line in host.Logs.Lines.Where(l => l.Exception is not null))
            {
                output.WriteLine($"{line.Level} ({line.EventId.Id}) with {line.Exception}");
            }
        }

        Assert.DoesNotContain(host.Logs.Lines, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    /// <summary>Waits until the gauges of the stream equal XLEN and XINFO GROUPS read right after them.</summary>
    private async Task<IReadOnlyDictionary<(string Instrument, string? Group), long>> GaugesMatchingAsync(
        StreamMetricsRecorder metrics, IDatabase db, string stream, string group, string because)
    {
        IReadOnlyDictionary<(string Instrument, string? Group), long> gauges = new Dictionary<(string, string?), long>();
        var last = string.Empty;
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    gauges = metrics.ObserveGauges();
                    var length = await db.StreamLengthAsync(stream);
                    var info = await ServerState.GroupAsync(db, stream, group);
                    last = $"gauges {string.Join(", ", gauges.Select(g => $"{g.Key.Instrument}[{g.Key.Group}]={g.Value}"))}; XLEN {length}, pending {info.PendingMessageCount}, lag {info.Lag}";
                    return gauges.Count == 3
                        && gauges.TryGetValue((Length, null), out var l) && l == length
                        && gauges.TryGetValue((Pending, group), out var p) && p == info.PendingMessageCount
                        && gauges.TryGetValue((Lag, group), out var g) && g == info.Lag;
                },
                TimeSpan.FromSeconds(10),
                because);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Last seen: {last}", ex);
        }

        output.WriteLine(last);
        return gauges;
    }
}
