using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class PubSubReconnectSubscribers
{
    [ChannelSubscriber("ps:rc:lit")]
    public static void OnLiteral(string message, ChannelMessageContext context, Probe<PubSubSeen> probe) =>
        probe.Add(new PubSubSeen("literal", context.Channel, context.Pattern, message));

    [ChannelSubscriber("ps:rc:pat:*", Pattern = true)]
    public static void OnPattern(string message, ChannelMessageContext context, Probe<PubSubSeen> probe) =>
        probe.Add(new PubSubSeen("pattern", context.Channel, context.Pattern, message));

    [ChannelSubscriber("ps:rc:shard", Sharded = true)]
    public static void OnShard(string message, ChannelMessageContext context, Probe<PubSubSeen> probe) =>
        probe.Add(new PubSubSeen("sharded", context.Channel, context.Pattern, message));
}

/// <summary>Guarantee 9: subscriptions come back after the server is killed and restarted, with no user code.</summary>
public sealed class PubSubReconnectTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(45);

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Literal_pattern_and_sharded_subscriptions_survive_a_kill_9_and_restart_of_the_server(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<PubSubReconnectSubscribers>(server.Server, output, s => s.AddSingleton<Probe<PubSubSeen>>());
        var probe = host.Get<Probe<PubSubSeen>>();
        var subscriber = server.Connection.GetSubscriber();

        // Before: one message each, each reaching exactly this host's subscription.
        Assert.Equal(1, await subscriber.PublishAsync(RedisChannel.Literal("ps:rc:lit"), "before literal"));
        Assert.Equal(1, await subscriber.PublishAsync(RedisChannel.Literal("ps:rc:pat:x"), "before pattern"));
        Assert.Equal(1, await subscriber.PublishAsync(RedisChannel.Sharded("ps:rc:shard"), "before sharded"));
        await probe.WaitForCountAsync(3, "each subscriber received its message before the kill");

        // SIGKILL: no goodbye on the sockets, as a crash.
        await server.Server.KillAsync();
        await Wait.UntilAsync(() => host.Logs.Lines.Any(l => l.EventId.Id == 44), TimeSpan.FromSeconds(30), "the host logged that it lost the connection (event 44)");

        await server.Server.RestartAsync();
        var clock = Stopwatch.StartNew();

        // A fresh connection, publishing until the server answers and the subscriber is back on it.
        await using var fresh = await server.Server.ConnectAsync();
        var literal = await PubSubKit.PublishUntilReceivedAsync(fresh, RedisChannel.Literal("ps:rc:lit"), "after literal", Recovery);
        var pattern = await PubSubKit.PublishUntilReceivedAsync(fresh, RedisChannel.Literal("ps:rc:pat:y"), "after pattern", Recovery);
        var sharded = await PubSubKit.PublishUntilReceivedAsync(fresh, RedisChannel.Sharded("ps:rc:shard"), "after sharded", Recovery);
        output.WriteLine($"Resubscribed within {clock.ElapsedMilliseconds} ms of the restart (publish attempts: literal {literal.Attempts}, pattern {pattern.Attempts}, sharded {sharded.Attempts}).");
        Assert.Equal(1, literal.Receivers);
        Assert.Equal(1, pattern.Receivers);
        Assert.Equal(1, sharded.Receivers);

        var seen = await probe.WaitForCountAsync(6, "each subscriber received its message after the restart");
        await Wait.UntilAsync(() => host.Logs.Lines.Any(l => l.EventId.Id == 45 && l.Message.Contains("Pub/Sub", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the host logged that the Pub/Sub connection is back (event 45)");

        Assert.Equal(
            [
                new PubSubSeen("literal", "ps:rc:lit", null, "before literal"),
                new PubSubSeen("literal", "ps:rc:lit", null, "after literal"),
            ],
            seen.Where(s => s.Subscriber == "literal"));
        Assert.Equal(
            [
                new PubSubSeen("pattern", "ps:rc:pat:x", "ps:rc:pat:*", "before pattern"),
                new PubSubSeen("pattern", "ps:rc:pat:y", "ps:rc:pat:*", "after pattern"),
            ],
            seen.Where(s => s.Subscriber == "pattern"));
        Assert.Equal(
            [
                new PubSubSeen("sharded", "ps:rc:shard", null, "before sharded"),
                new PubSubSeen("sharded", "ps:rc:shard", null, "after sharded"),
            ],
            seen.Where(s => s.Subscriber == "sharded"));

        // One line per lost connection and one per restored one (command and Pub/Sub connections), not one per retry.
        var lost = host.Logs.Lines.Where(l => l.EventId.Id == 44).ToList();
        var restored = host.Logs.Lines.Where(l => l.EventId.Id == 45).ToList();
        Assert.InRange(lost.Count, 1, 4);
        Assert.InRange(restored.Count, 1, 4);
        Assert.Contains(lost, l => l.Message.Contains("Pub/Sub", StringComparison.Ordinal));
        Assert.Contains(restored, l => l.Message.Contains("Pub/Sub", StringComparison.Ordinal));
    }
}
