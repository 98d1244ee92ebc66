using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class PubSubShardedSubscribers
{
    [ChannelSubscriber("ps:shard", Sharded = true)]
    public static void On(string message, ChannelMessageContext context, Probe<PubSubSeen> probe) =>
        probe.Add(new PubSubSeen("sharded", context.Channel, context.Pattern, message));
}

/// <summary><c>Sharded = true</c>: SSUBSCRIBE, which receives SPUBLISH and never PUBLISH (separate namespaces).</summary>
public sealed class PubSubShardedTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_sharded_subscriber_gets_SPUBLISH_and_not_PUBLISH_to_the_same_name(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<PubSubShardedSubscribers>(server.Server, output, s => s.AddSingleton<Probe<PubSubSeen>>());
        var probe = host.Get<Probe<PubSubSeen>>();

        // The server's view: one shard-channel subscription, no classic one.
        var shardChannels = (RedisResult[]?)await server.Db.ExecuteAsync("PUBSUB", "SHARDCHANNELS", "ps:shard");
        var classicChannels = (RedisResult[]?)await server.Db.ExecuteAsync("PUBSUB", "CHANNELS", "ps:shard");
        Assert.Equal(["ps:shard"], shardChannels!.Select(r => (string?)r));
        Assert.Empty(classicChannels!);

        // A classic PUBLISH to the same name reaches nobody ...
        Assert.Equal(0, (long)await server.Db.ExecuteAsync("PUBLISH", "ps:shard", "classic"));

        // ... an SPUBLISH reaches the subscriber, by hand and through the client's sharded channel.
        Assert.Equal(1, (long)await server.Db.ExecuteAsync("SPUBLISH", "ps:shard", "sharded by hand"));
        Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Sharded("ps:shard"), "sharded by client"));

        var seen = await probe.WaitForCountAsync(2, "both sharded messages were received");

        // Both arrive on the one Pub/Sub connection in order; the classic one, published first, would have been before them.
        Assert.Equal(
            [
                new PubSubSeen("sharded", "ps:shard", null, "sharded by hand"),
                new PubSubSeen("sharded", "ps:shard", null, "sharded by client"),
            ],
            seen);
    }
}
