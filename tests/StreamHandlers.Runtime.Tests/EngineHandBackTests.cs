using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>What the hand-back handler started, on both hosts, and the signal that lets the slow first entry finish.</summary>
public sealed class EngineHandBackProbe
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Probe<EngineDelivery> Started { get; } = new();

    public Task Released => _release.Task;

    public void Release() => _release.TrySetResult();
}

public sealed class EngineHandBackHandlers
{
    /// <summary>Long, so that only a hand-back (not the idle time of a stopped consumer) explains a quick claim.</summary>
    public const int ClaimIdleMs = 30_000;

    [StreamHandler("eng:handback", Group = "g-handback", ClaimIdleMs = ClaimIdleMs, BatchSize = 16)]
    public static async Task HandleAsync(string data, StreamMessageContext context, EngineHandBackProbe probe, CancellationToken cancellationToken)
    {
        probe.Started.Add(EngineDelivery.From(data, context));
        if (data == "slow")
        {
            await probe.Released.WaitAsync(cancellationToken);
        }
    }
}

/// <summary>Shutdown: entries read but not started are handed back, claimable by another consumer at once.</summary>
public sealed class EngineHandBackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Entries_read_but_not_started_when_a_host_stops_are_handled_by_another_consumer_at_once(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;
        var probe = new EngineHandBackProbe();

        var first = await TestHost.StartAsync<EngineHandBackHandlers>(
            server.Server,
            output,
            s => s
                .AddSingleton(probe)
                .AddSingleton<StopSignal>()
                .AddHostedService(sp => sp.GetRequiredService<StopSignal>())
                .Configure<HostOptions>(o => o.ServicesStopConcurrently = true),
            o =>
            {
                o.ConsumerName = "first";
                o.ShutdownTimeout = TimeSpan.FromSeconds(10);
            });
        string[] ids;
        await using (first)
        {
            // One read takes all five; the slow first one holds the only worker (Concurrency 1), four wait behind it.
            var transaction = db.CreateTransaction();
            var adds = new[] { "slow", "e2", "e3", "e4", "e5" }.Select(d => transaction.StreamAddAsync("eng:handback", "data", d)).ToArray();
            Assert.True(await transaction.ExecuteAsync());
            ids = (await Task.WhenAll(adds)).Select(id => (string)id!).ToArray();

            await probe.Started.WaitForAsync(c => c.Data == "slow", "the slow first entry is in flight");
            await Wait.UntilAsync(
                async () => (await db.StreamPendingMessagesAsync("eng:handback", "g-handback", 10, "first")).Length == 5,
                TimeSpan.FromSeconds(10),
                "all five are pending on the first consumer");

            // Stop has begun (reading stopped) before the slow entry may finish; the other four are never started here.
            var stopping = first.StopAsync();
            await first.Get<StopSignal>().Stopping.WaitAsync(TimeSpan.FromSeconds(10));
            probe.Release();
            await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        }

        Assert.Equal(["slow"], probe.Started.Snapshot().Select(c => c.Data));

        // Handed back: still pending on the stopped consumer, but already idle for ClaimIdleMs.
        var handedBack = await db.StreamPendingMessagesAsync("eng:handback", "g-handback", 10, "first");
        Assert.Equal(ids.Skip(1), handedBack.Select(p => (string)p.MessageId!));
        Assert.All(handedBack, p => Assert.True(p.IdleTimeInMilliseconds >= EngineHandBackHandlers.ClaimIdleMs, $"{p.MessageId} idle {p.IdleTimeInMilliseconds} ms"));

        var clock = Stopwatch.StartNew();
        await using var second = await TestHost.StartAsync<EngineHandBackHandlers>(server.Server, output, s => s.AddSingleton(probe), o => o.ConsumerName = "second");
        try
        {
            await probe.Started.WaitUntilAsync(
                calls => calls.Count(c => c.Consumer == "second") == 4,
                "the second consumer handled the four handed-back entries",
                TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} {await EnginePending.DescribeAsync(db, "eng:handback", "g-handback")}", ex);
        }

        output.WriteLine($"{kind}: handed-back entries handled {clock.Elapsed.TotalMilliseconds:0} ms after the second host began to start");
        await EnginePending.WaitUntilEmptyAsync(db, "eng:handback", "g-handback", "nothing is pending");

        // Each exactly once: the slow one by the first consumer, the rest by the second.
        var started = probe.Started.Snapshot();
        Assert.Equal(ids, started.Select(c => c.Id));
        Assert.Equal(["first", "second", "second", "second", "second"], started.Select(c => c.Consumer));
    }
}
