using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class EngineHousekeepingHandlers
{
    // ClaimIdleMs far beyond the test: the busy consumer's entry stays pending on it throughout.
    [StreamHandler("eng:hk", Group = "g-hk", ClaimIdleMs = 60_000)]
    public static void Handle(string data, StreamMessageContext context, Probe<EngineDelivery> probe) =>
        probe.Add(EngineDelivery.From(data, context));
}

/// <summary>Guarantee 10: housekeeping removes idle consumers with nothing pending, never one with pending entries, never itself.</summary>
public sealed class EngineHousekeepingTests(ITestOutputHelper output)
{
    private const string Stream = "eng:hk";
    private const string Group = "g-hk";
    private const string HostConsumer = "hk-host";

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Idle_consumers_without_pending_entries_are_removed_and_a_consumer_with_one_is_kept(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;
        await db.StreamCreateConsumerGroupAsync(Stream, Group, "$", createStream: true);
        await CreateConsumerAsync(db, "idle-empty");
        await CreateConsumerAsync(db, "idle-busy");
        var held = (string)(await db.StreamAddAsync(Stream, "data", "held by idle-busy"))!;
        Assert.Single(await db.StreamReadGroupAsync(Stream, Group, "idle-busy", StreamPosition.NewMessages, 1));

        await using var host = await TestHost.StartAsync<EngineHousekeepingHandlers>(
            server.Server,
            output,
            s => s.AddSingleton<Probe<EngineDelivery>>(),
            o =>
            {
                o.ConsumerName = HostConsumer;
                o.IdleConsumerTimeout = TimeSpan.FromSeconds(1);
            });

        var probe = host.Get<Probe<EngineDelivery>>();

        // Redis 7.0 creates a consumer at its first read that returns an entry (Valkey already at an empty blocking read).
        var own = await host.Streams.PublishAsync(Stream, "read by the host");
        await probe.WaitForAsync(c => c.Id == own, "the host handled an entry, so its consumer exists");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, Stream, Group) == 1, TimeSpan.FromSeconds(10), "the host acknowledged its entry");

        await Wait.UntilAsync(async () => !(await ConsumersAsync(db)).ContainsKey("idle-empty"), TimeSpan.FromSeconds(10), "idle-empty was removed");
        await AssertKeptAsync(db, held);

        // Another pass of housekeeping, observed by its effect: a consumer made idle now is removed in turn, and
        // the busy one has survived one more pass while idle far beyond IdleConsumerTimeout.
        await CreateConsumerAsync(db, "late-idle");
        await Wait.UntilAsync(async () => !(await ConsumersAsync(db)).ContainsKey("late-idle"), TimeSpan.FromSeconds(10), "late-idle was removed");
        await AssertKeptAsync(db, held);

        var removed = host.Logs.Lines.Where(l => l.EventId.Id == 36).Select(l => l.Message).ToArray();
        Assert.Equal(2, removed.Length);
        Assert.Contains(removed, m => m.Contains("'idle-empty'", StringComparison.Ordinal));
        Assert.Contains(removed, m => m.Contains("'late-idle'", StringComparison.Ordinal));
        Assert.Equal([own], probe.Snapshot().Select(c => c.Id));
    }

    private static async Task AssertKeptAsync(IDatabase db, string held)
    {
        var consumers = await ConsumersAsync(db);
        Assert.True(consumers.TryGetValue("idle-busy", out var busy), "the consumer with a pending entry was kept");
        Assert.Equal(1, busy.PendingMessageCount);
        Assert.True(busy.IdleTimeInMilliseconds >= 1000, $"idle-busy has been idle beyond IdleConsumerTimeout ({busy.IdleTimeInMilliseconds} ms)");
        Assert.True(consumers.ContainsKey(HostConsumer), "the host's own consumer was kept");
        var pending = Assert.Single(await db.StreamPendingMessagesAsync(Stream, Group, 10, RedisValue.Null));
        Assert.Equal(held, (string?)pending.MessageId);
        Assert.Equal("idle-busy", (string?)pending.ConsumerName);
        Assert.Equal(1, pending.DeliveryCount);
    }

    private static Task CreateConsumerAsync(IDatabase db, string consumer) =>
        db.ExecuteAsync("XGROUP", "CREATECONSUMER", Stream, Group, consumer);

    private static async Task<System.Collections.Generic.Dictionary<string, StreamConsumerInfo>> ConsumersAsync(IDatabase db) =>
        (await db.StreamConsumerInfoAsync(Stream, Group)).ToDictionary(c => (string)c.Name!);
}
