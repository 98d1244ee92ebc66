using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>
/// The surviving consumer of the worker process's group: the same stream, group and timings as
/// StreamHandlers.TestWorker's handler (another compilation, so the pair may be declared twice).
/// </summary>
public sealed class EngineSurvivorHandlers
{
    [StreamHandler("worker:jobs", Group = "workers", ClaimIdleMs = 1000, RetryDelayMs = 50)]
    public static void Handle(string data, StreamMessageContext context, Probe<EngineDelivery> probe) =>
        probe.Add(EngineDelivery.From(data, context));
}

/// <summary>Guarantees 1 and 4 against a real process death: what a SIGKILLed consumer held is claimed and handled by a live one.</summary>
public sealed class EngineProcessKillTests(ITestOutputHelper output)
{
    private const int Entries = 5;
    private const string DoomedConsumer = "doomed-worker";
    private const string SurvivorConsumer = "survivor";

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Entries_held_by_a_killed_worker_process_are_claimed_and_handled_by_the_survivor(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;
        await using var worker = await EngineWorkerProcess.StartAsync(server.Server.ConnectionString, DoomedConsumer, "hang");
        string[] ids;
        try
        {
            // One transaction, so that the worker's blocked read takes all five at once: one hangs, four wait behind it.
            var transaction = db.CreateTransaction();
            var adds = Enumerable.Range(1, Entries).Select(i => transaction.StreamAddAsync("worker:jobs", "data", $"job-{i}")).ToArray();
            Assert.True(await transaction.ExecuteAsync());
            ids = (await Task.WhenAll(adds)).Select(id => (string)id!).ToArray();

            await Wait.UntilAsync(
                async () => (await db.StreamRangeAsync("worker:log")).Any(e => (string?)e["data"] == $"started job-1 {DoomedConsumer}"),
                TimeSpan.FromSeconds(15),
                "the worker process started the first job");
            await Wait.UntilAsync(
                async () => (await db.StreamPendingMessagesAsync("worker:jobs", "workers", 100, DoomedConsumer)).Length == Entries,
                TimeSpan.FromSeconds(10),
                $"all {Entries} entries are pending on the worker");
        }
        catch
        {
            output.WriteLine(worker.Output);
            throw;
        }

        var taken = (await db.StreamPendingMessagesAsync("worker:jobs", "workers", 100, DoomedConsumer)).Select(p => (string)p.MessageId!).ToHashSet();
        await worker.KillAsync();
        output.WriteLine(worker.Output);

        await using var survivor = await TestHost.StartAsync<EngineSurvivorHandlers>(
            server.Server, output, s => s.AddSingleton<Probe<EngineDelivery>>(), o => o.ConsumerName = SurvivorConsumer);
        var probe = survivor.Get<Probe<EngineDelivery>>();

        IReadOnlyList<EngineDelivery> handled;
        try
        {
            handled = await probe.WaitUntilAsync(
                calls => calls.Select(c => c.Id).Distinct().Count() == Entries,
                "the survivor handled every entry the killed worker held");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} {await EnginePending.DescribeAsync(db, "worker:jobs", "workers")}", ex);
        }

        await EnginePending.WaitUntilEmptyAsync(db, "worker:jobs", "workers", "the group has nothing pending");

        Assert.Equal(ids.Order(), taken.Order());
        Assert.Equal(ids.Order(), probe.Snapshot().Select(c => c.Id).Order());
        Assert.All(handled, c => Assert.Equal(SurvivorConsumer, c.Consumer));
        Assert.All(handled, c => Assert.True(c.DeliveryCount >= 2, $"{c.Id} was delivered to the killed worker first (delivery count {c.DeliveryCount})"));
        Assert.Equal(Enumerable.Range(1, Entries).Select(i => $"job-{i}").Order(), probe.Snapshot().Select(c => c.Data).Order());

        // The killed worker never finished anything: no acknowledgement came from it.
        Assert.DoesNotContain(await db.StreamRangeAsync("worker:log"), e => ((string?)e["data"])!.StartsWith("done", StringComparison.Ordinal));
    }
}
