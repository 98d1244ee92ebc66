using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>
/// PublishBatchAsync returns the ids in input order and writes the entries in that order; an empty batch writes
/// nothing; a message that cannot be serialised fails the call, single or batched, and nothing is written.
/// </summary>
public sealed class ProducerBatchTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_batch_of_1000_returns_its_ids_in_order_and_writes_each_record_as_JSON_in_order(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerBatchTests>(server.Server, output);
        var db = server.Db;

        var records = Enumerable.Range(0, 1_000).Select(i => new ProducerRecord(i, $"record-{i}")).ToArray();
        var ids = await host.Streams.PublishBatchAsync("p:batch", records);

        Assert.Equal(1_000, ids.Count);
        for (var i = 1; i < ids.Count; i++)
        {
            Assert.True(ProducerIds.Less(ids[i - 1], ids[i]), $"id {i} ({ids[i]}) is not greater than id {i - 1} ({ids[i - 1]})");
        }

        var entries = await db.StreamRangeAsync("p:batch");
        Assert.Equal(1_000, entries.Length);
        Assert.Equal(ids, entries.Select(e => (string)e.Id!));
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            Assert.Equal(["data"], entry.Values.Select(v => (string)v.Name!));
            Assert.Equal(ProducerRecord.ExpectedJson(records[i]), (string?)ServerState.Field(entry, "data"));
        }

        // A second batch goes after the first, its ids again in order.
        var more = await host.Streams.PublishBatchAsync("p:batch", ["x", "y", "z"]);
        Assert.Equal(3, more.Count);
        Assert.True(ProducerIds.Less(ids[^1], more[0]));
        Assert.Equal(["x", "y", "z"], (await db.StreamRangeAsync("p:batch", more[0], "+")).Select(e => (string)ServerState.Field(e, "data")!));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task An_empty_batch_returns_no_ids_and_writes_nothing(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerBatchTests>(server.Server, output);
        var db = server.Db;

        var none = await host.Streams.PublishBatchAsync("p:empty", Array.Empty<ProducerRecord>());
        Assert.Empty(none);
        Assert.False(await db.KeyExistsAsync("p:empty"), "an empty batch created the stream");

        await db.StreamAddAsync("p:existing", "data", "seed");
        Assert.Empty(await host.Streams.PublishBatchAsync("p:existing", Enumerable.Empty<string>()));
        Assert.Equal(1, await db.StreamLengthAsync("p:existing"));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_batch_with_one_message_that_cannot_be_serialised_throws_naming_the_reason_and_writes_nothing(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerBatchTests>(server.Server, output);
        var db = server.Db;
        await db.StreamAddAsync("p:bad-batch", "data", "seed");

        // A cycle in the 501st of 1,000 nodes.
        var nodes = Enumerable.Range(0, 1_000).Select(i => new ProducerNode { Name = $"n{i}" }).ToArray();
        nodes[500].Next = nodes[500];
        var cycle = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishBatchAsync("p:bad-batch", nodes));
        output.WriteLine($"cycle: {cycle.Message}");
        Assert.Contains(nameof(ProducerNode), cycle.Message, StringComparison.Ordinal);
        Assert.Contains("cycle", cycle.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await db.StreamLengthAsync("p:bad-batch"));

        // A getter that throws, in the middle of the batch.
        ProducerExploding[] exploding = [new("a"), new("b"), new("bad"), new("c")];
        var getter = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishBatchAsync("p:bad-batch", exploding));
        output.WriteLine($"getter: {getter.Message}");
        Assert.Contains(nameof(ProducerExploding), getter.Message, StringComparison.Ordinal);
        Assert.Contains("the secret of 'bad' is sealed", getter.Message, StringComparison.Ordinal);
        Assert.Equal(1, await db.StreamLengthAsync("p:bad-batch"));

        // A property type that System.Text.Json does not support.
        ProducerWithType[] typed = [new("a", typeof(int)), new("b", typeof(string))];
        var unsupported = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishBatchAsync("p:bad-batch", typed));
        output.WriteLine($"unsupported: {unsupported.Message}");
        Assert.Contains(nameof(ProducerWithType), unsupported.Message, StringComparison.Ordinal);
        Assert.Contains("System.Type", unsupported.Message, StringComparison.Ordinal);
        Assert.Equal(1, await db.StreamLengthAsync("p:bad-batch"));

        // A getter that throws the application's own exception: it reaches the caller (as it is or wrapped) and nothing is written.
        var own = await Assert.ThrowsAnyAsync<Exception>(() => host.Streams.PublishBatchAsync("p:bad-batch", new[] { new ProducerOwnFailure("x") }));
        output.WriteLine($"own: {own.GetType().FullName}: {own.Message}");
        Assert.True(own is ProducerGetterException || own.InnerException is ProducerGetterException, $"unexpected {own}");
        Assert.Equal(1, await db.StreamLengthAsync("p:bad-batch"));

        // Nothing half-written on a fresh stream either, and the publisher still works afterwards.
        await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishBatchAsync("p:bad-fresh", nodes));
        Assert.False(await db.KeyExistsAsync("p:bad-fresh"));
        var fine = await host.Streams.PublishBatchAsync("p:bad-batch", new[] { new ProducerRecord(1, "fine") });
        Assert.Single(fine);
        Assert.Equal(2, await db.StreamLengthAsync("p:bad-batch"));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_single_message_that_cannot_be_serialised_throws_at_the_call_naming_the_reason_and_writes_nothing(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerBatchTests>(server.Server, output);
        var db = server.Db;

        var node = new ProducerNode { Name = "loop" };
        node.Next = node;
        var cycle = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishAsync("p:bad-single", node));
        Assert.Contains(nameof(ProducerNode), cycle.Message, StringComparison.Ordinal);
        Assert.Contains("cycle", cycle.Message, StringComparison.OrdinalIgnoreCase);

        var getter = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishAsync("p:bad-single", new ProducerExploding("bad")));
        Assert.Contains("the secret of 'bad' is sealed", getter.Message, StringComparison.Ordinal);

        var unsupported = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishAsync("p:bad-single", new ProducerWithType("t", typeof(int))));
        Assert.Contains("System.Type", unsupported.Message, StringComparison.Ordinal);

        Assert.False(await db.KeyExistsAsync("p:bad-single"), "a message that cannot be serialised wrote something");

        // The same types publish when they can be written.
        var id = await host.Streams.PublishAsync("p:bad-single", new ProducerExploding("good"));
        var entry = Assert.Single(await db.StreamRangeAsync("p:bad-single"));
        Assert.Equal(id, (string?)entry.Id);
        Assert.Equal("""{"name":"good","secret":"good"}""", (string?)ServerState.Field(entry, "data"));
    }
}
