using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>What the slow handler started and finished, shared by both hosts of a test.</summary>
public sealed class EngineSlowLog
{
    public Probe<EngineDelivery> Started { get; } = new();

    public Probe<EngineDelivery> Finished { get; } = new();
}

public sealed class EngineSlowHandlers
{
    /// <summary>
    /// Keep-alive runs every ClaimIdleMs / 3 (plus a tick of RetryDelayMs / 4): that leaves about a second for a
    /// pause of the whole test process (a loaded machine) before a live consumer's entries look idle.
    /// </summary>
    public const int ClaimIdleMs = 1500;

    /// <summary>Three times ClaimIdleMs: an entry is pending far longer than ClaimIdleMs while its handler runs or waits its turn.</summary>
    public static readonly TimeSpan HandlerTime = TimeSpan.FromMilliseconds(3 * ClaimIdleMs);

    [StreamHandler("eng:slow", Group = "g-slow", ClaimIdleMs = ClaimIdleMs, RetryDelayMs = 50, Concurrency = 3)]
    public static async Task HandleAsync(string data, StreamMessageContext context, EngineSlowLog log, CancellationToken cancellationToken)
    {
        log.Started.Add(EngineDelivery.From(data, context));
        await Task.Delay(HandlerTime, cancellationToken);
        log.Finished.Add(EngineDelivery.From(data, context));
    }
}

/// <summary>Guarantee 4: a live consumer keeps its entries (running or queued) from being claimed, however slow its handler.</summary>
[Collection(EngineTimingCollection.Name)]
public sealed class EngineSlowHandlerTests(ITestOutputHelper output)
{
    private const int Entries = 6;

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_handler_slower_than_ClaimIdleMs_is_not_run_twice_by_another_live_consumer(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var log = new EngineSlowLog();
        await using var first = await TestHost.StartAsync<EngineSlowHandlers>(server.Server, output, s => s.AddSingleton(log), o => o.ConsumerName = "slow-1");
        await using var second = await TestHost.StartAsync<EngineSlowHandlers>(server.Server, output, s => s.AddSingleton(log), o => o.ConsumerName = "slow-2");

        // One transaction: one consumer's blocked read takes all six, runs three at a time (9 s) and keeps the rest
        // queued, pending for up to 6 × ClaimIdleMs, while the other consumer looks for idle entries every ClaimIdleMs / 2.
        var transaction = server.Db.CreateTransaction();
        var adds = Enumerable.Range(1, Entries).Select(i => transaction.StreamAddAsync("eng:slow", "data", $"slow-{i}")).ToArray();
        Assert.True(await transaction.ExecuteAsync());
        var ids = (await Task.WhenAll(adds)).Select(id => (string)id!).ToArray();

        await log.Finished.WaitUntilAsync(
            calls => calls.Select(c => c.Id).Distinct().Count() == Entries, "every entry was handled", TimeSpan.FromSeconds(30));
        await EnginePending.WaitUntilEmptyAsync(server.Db, "eng:slow", "g-slow", "every entry was acknowledged");

        // Started is recorded on entry: a second run of any entry would show here even if it had not finished yet.
        var started = log.Started.Snapshot();
        Assert.Equal(ids.Order(), started.Select(c => c.Id).Order());
        Assert.All(started, c => Assert.Equal(1, c.DeliveryCount));
        Assert.Equal(Entries, log.Finished.Count);

        Assert.DoesNotContain(first.Logs.Lines.Concat(second.Logs.Lines), l => l.EventId.Id == 35);
        output.WriteLine($"handled by: {string.Join(", ", started.Select(c => $"{c.Data}@{c.Consumer}"))}");
    }
}
