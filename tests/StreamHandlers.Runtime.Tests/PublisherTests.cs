using System.Threading.Tasks;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>IStreamPublisher applies each stream's policy.</summary>
public sealed class PublisherTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task MaxLength_policy_trims_approximately_and_other_streams_are_not_trimmed(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);

        // No handlers of its own: this host only publishes.
        await using var host = await TestHost.StartAsync<PublisherTests>(server.Server, output, options: o => o.Stream("rt:capped", p => p.MaxLength = 100));

        for (var i = 0; i < 2000; i++)
        {
            await host.Streams.PublishAsync("rt:capped", new WorkItem($"t{i}", "p", i));
        }

        for (var i = 0; i < 300; i++)
        {
            await host.Streams.PublishAsync("rt:uncapped", i);
        }

        // MAXLEN ~ 100 trims whole macro nodes (100 entries by default): never below 100, never far above.
        var length = await server.Db.StreamLengthAsync("rt:capped");
        output.WriteLine($"XLEN rt:capped = {length}");
        Assert.InRange(length, 100, 300);
        Assert.Equal(300, await server.Db.StreamLengthAsync("rt:uncapped"));

        // The newest entry survives trimming.
        var last = Assert.Single(await server.Db.StreamRangeAsync("rt:capped", "-", "+", count: 1, messageOrder: StackExchange.Redis.Order.Descending));
        Assert.Equal("""{"taskId":"t1999","prompt":"p","attempt":1999}""", (string?)ServerState.Field(last, "data"));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_MaxLength_above_int_MaxValue_publishes(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);

        // StreamPolicy.MaxLength is a long and validation accepts it; the publisher must not truncate it to an int.
        await using var host = await TestHost.StartAsync<PublisherTests>(server.Server, output, options: o => o.Stream("rt:huge", p => p.MaxLength = 3_000_000_000));

        var id = await host.Streams.PublishAsync("rt:huge", "entry");
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal(1, await server.Db.StreamLengthAsync("rt:huge"));
    }
}
