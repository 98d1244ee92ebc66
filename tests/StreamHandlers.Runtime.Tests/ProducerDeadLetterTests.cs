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

/// <summary>One delivery to <see cref="ProducerDeadLetterHandlers"/>: the entry, its field names and whether it was handled.</summary>
public sealed record ProducerDelivery(string Id, string Data, string[] Fields, bool Handled)
{
    public override string ToString() => $"{Id} {Data} [{string.Join(",", Fields)}] {(Handled ? "handled" : "failed")}";
}

public sealed class ProducerDeadLetterHandlers
{
    /// <summary>Until set, entries whose data contains "bad" fail. The theory's cases run one after the other (one class, one collection).</summary>
    public static volatile bool Healed;

    [StreamHandler("p:dl", Group = "g", MaxRetries = 0)]
    public static void Handle(string data, StreamMessageContext context, Probe<ProducerDelivery> probe)
    {
        var handled = Healed || !data.Contains("bad", StringComparison.Ordinal);
        probe.Add(new ProducerDelivery(context.Id, data, [.. context.Entry.Values.Select(v => (string)v.Name!)], handled));
        if (!handled)
        {
            throw new InvalidOperationException($"cannot handle {data} yet");
        }
    }
}

/// <summary>IDeadLetters: reading a dead-letter stream and replaying some or all of its entries to their source.</summary>
public sealed class ProducerDeadLetterTests(ITestOutputHelper output)
{
    private static readonly string[] DeadLetterFields =
        ["dlq:source-stream", "dlq:source-id", "dlq:group", "dlq:consumer", "dlq:attempts", "dlq:error-type", "dlq:error", "dlq:failed-at"];

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Dead_letters_are_read_with_all_fields_and_replayed_one_then_all_with_their_original_fields_only(ServerKind kind)
    {
        ProducerDeadLetterHandlers.Healed = false;
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerDeadLetterHandlers>(server.Server, output, s => s.AddSingleton<Probe<ProducerDelivery>>());
        var probe = host.Get<Probe<ProducerDelivery>>();
        var deadLetters = host.Get<IDeadLetters>();
        var db = server.Db;

        // Five entries, three bad; the second bad one written by hand with an extra field.
        var good1 = await host.Streams.PublishAsync("p:dl", "good 1");
        var bad1 = await host.Streams.PublishAsync("p:dl", "bad 1");
        var bad2 = (string)(await db.StreamAddAsync("p:dl", [new NameValueEntry("data", "bad 2"), new NameValueEntry("trace", "t-2")]))!;
        var good2 = await host.Streams.PublishAsync("p:dl", "good 2");
        var bad3 = await host.Streams.PublishAsync("p:dl", "bad 3");

        await Wait.UntilAsync(async () => await db.StreamLengthAsync("p:dl:dlq") == 3, TimeSpan.FromSeconds(10), "the three bad entries were dead-lettered");
        await probe.WaitUntilAsync(d => d.Count(x => x.Handled) == 2, "both good entries were handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, "p:dl", "g") == 0, TimeSpan.FromSeconds(10), "nothing of p:dl is pending");

        // ReadAsync: the three, oldest first, with every original field and every dlq:* field.
        var dead = await deadLetters.ReadAsync("p:dl:dlq");
        Assert.Equal([bad1, bad2, bad3], dead.Select(e => (string?)ServerState.Field(e, "dlq:source-id")));
        AssertDeadLetter(dead[0], [("data", "bad 1")]);
        AssertDeadLetter(dead[1], [("data", "bad 2"), ("trace", "t-2")]);
        AssertDeadLetter(dead[2], [("data", "bad 3")]);
        Assert.Equal(dead.Take(2).Select(e => e.Id), (await deadLetters.ReadAsync("p:dl:dlq", count: 2)).Select(e => e.Id));

        ProducerDeadLetterHandlers.Healed = true;

        // Replay one: the hand-written entry, with its extra field.
        Assert.Equal(1, await deadLetters.ReplayAsync("p:dl:dlq", [(string)dead[1].Id!]));
        Assert.Equal(2, await db.StreamLengthAsync("p:dl:dlq"));
        Assert.Equal([bad1, bad3], (await db.StreamRangeAsync("p:dl:dlq")).Select(e => (string?)ServerState.Field(e, "dlq:source-id")));

        var replayed2 = await probe.WaitForAsync(d => d.Data == "bad 2" && d.Handled, "the replayed entry was handled");
        Assert.NotEqual(bad2, replayed2.Id);
        Assert.True(ProducerIds.Less(bad3, replayed2.Id), "the replayed entry was added after everything in the stream");
        Assert.Equal(["data", "trace"], replayed2.Fields);
        var readded = Assert.Single(await db.StreamRangeAsync("p:dl", replayed2.Id, replayed2.Id));
        Assert.Equal(new[] { ("data", "bad 2"), ("trace", "t-2") }, readded.Values.Select(v => ((string)v.Name!, (string)v.Value!)));

        // An id that is not (or no longer) in the dead-letter stream moves nothing.
        Assert.Equal(0, await deadLetters.ReplayAsync("p:dl:dlq", [(string)dead[1].Id!]));
        Assert.Equal(0, await deadLetters.ReplayAsync("p:dl:dlq", ["1-1"]));
        Assert.Equal(0, await deadLetters.ReplayAsync("p:dl:dlq", [bad1]));
        Assert.Equal(2, await db.StreamLengthAsync("p:dl:dlq"));

        // Replay all: the other two, in dead-letter order; the dead-letter stream ends empty.
        Assert.Equal(2, await deadLetters.ReplayAsync("p:dl:dlq"));
        Assert.Equal(0, await db.StreamLengthAsync("p:dl:dlq"));
        var all = await probe.WaitUntilAsync(d => d.Any(x => x.Data == "bad 1" && x.Handled) && d.Any(x => x.Data == "bad 3" && x.Handled), "both replayed entries were handled");
        var replayed1 = all.Single(x => x.Data == "bad 1" && x.Handled);
        var replayed3 = all.Single(x => x.Data == "bad 3" && x.Handled);
        Assert.True(ProducerIds.Less(replayed2.Id, replayed1.Id) && ProducerIds.Less(replayed1.Id, replayed3.Id), "replayed in dead-letter order");
        Assert.Equal(["data"], replayed1.Fields);
        Assert.Equal(["data"], replayed3.Fields);

        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, "p:dl", "g") == 0, TimeSpan.FromSeconds(10), "every replayed entry was acknowledged");
        Assert.Equal(0, await db.StreamLengthAsync("p:dl:dlq"));
        Assert.Equal(0, await deadLetters.ReplayAsync("p:dl:dlq"));

        // Every entry in the source stream: the five originals and three replays, none carrying a dlq:* field.
        var source = await db.StreamRangeAsync("p:dl");
        Assert.Equal(8, source.Length);
        Assert.DoesNotContain(source, e => e.Values.Any(v => ((string)v.Name!).StartsWith("dlq:", StringComparison.Ordinal)));
        Assert.Equal([good1, bad1, bad2, good2, bad3], source.Take(5).Select(e => (string)e.Id!));

        // Each bad entry failed once and was handled once after the switch; the good ones once.
        var deliveries = probe.Snapshot();
        output.WriteLine(string.Join(Environment.NewLine, deliveries));
        Assert.Equal(8, deliveries.Count);
        Assert.Equal(3, deliveries.Count(d => !d.Handled));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Replaying_all_pages_through_a_long_dead_letter_stream_and_leaves_what_cannot_move(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerDeadLetterTests>(server.Server, output);
        var deadLetters = host.Get<IDeadLetters>();
        var db = server.Db;

        Assert.Empty(await deadLetters.ReadAsync("p:dl-missing:dlq"));
        Assert.Equal(0, await deadLetters.ReplayAsync("p:dl-missing:dlq"));

        // 250 dead letters by hand (more than one page of 100), two sources, and between them entries that cannot
        // move: no dlq:source-stream, or nothing but dlq:* fields.
        var unmovable = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            var source = i % 2 == 0 ? "p:dl-even" : "p:dl-odd";
            await db.StreamAddAsync("p:dl-many:dlq", [new NameValueEntry("data", $"m{i}"), new NameValueEntry("n", i), new NameValueEntry("dlq:source-stream", source), new NameValueEntry("dlq:source-id", $"{i + 1}-0")]);
            if (i == 120)
            {
                unmovable.Add((string)(await db.StreamAddAsync("p:dl-many:dlq", [new NameValueEntry("data", "orphan"), new NameValueEntry("dlq:source-id", "5-0")]))!);
                unmovable.Add((string)(await db.StreamAddAsync("p:dl-many:dlq", [new NameValueEntry("dlq:source-stream", "p:dl-even"), new NameValueEntry("dlq:error", "x")]))!);
            }
        }

        Assert.Equal(100, (await deadLetters.ReadAsync("p:dl-many:dlq")).Count);
        Assert.Equal(250, await deadLetters.ReplayAsync("p:dl-many:dlq"));

        Assert.Equal(unmovable, (await db.StreamRangeAsync("p:dl-many:dlq")).Select(e => (string)e.Id!));
        var even = await db.StreamRangeAsync("p:dl-even");
        var odd = await db.StreamRangeAsync("p:dl-odd");
        Assert.Equal(Enumerable.Range(0, 250).Where(i => i % 2 == 0).Select(i => $"m{i}"), even.Select(e => (string)ServerState.Field(e, "data")!));
        Assert.Equal(Enumerable.Range(0, 250).Where(i => i % 2 == 1).Select(i => $"m{i}"), odd.Select(e => (string)ServerState.Field(e, "data")!));
        Assert.All(even.Concat(odd), e => Assert.Equal(["data", "n"], e.Values.Select(v => (string)v.Name!)));

        // Replaying by id, more ids than a page, some of them unknown or repeated.
        for (var i = 0; i < 150; i++)
        {
            await db.StreamAddAsync("p:dl-ids:dlq", [new NameValueEntry("data", $"i{i}"), new NameValueEntry("dlq:source-stream", "p:dl-ids")]);
        }

        var ids = (await db.StreamRangeAsync("p:dl-ids:dlq")).Select(e => (string)e.Id!).ToList();
        var chosen = ids.Where((_, i) => i % 3 != 0).ToList();
        Assert.Equal(chosen.Count, await deadLetters.ReplayAsync("p:dl-ids:dlq", [.. chosen, "1-1", chosen[0]]));
        Assert.Equal(ids.Where((_, i) => i % 3 == 0), (await db.StreamRangeAsync("p:dl-ids:dlq")).Select(e => (string)e.Id!));
        Assert.Equal(chosen.Count, await db.StreamLengthAsync("p:dl-ids"));
    }

    private static void AssertDeadLetter(StreamEntry dead, (string Name, string Value)[] original)
    {
        var names = dead.Values.Select(v => (string)v.Name!).ToArray();
        Assert.Equal(original.Select(o => o.Name).Concat(DeadLetterFields).Order(), names.Order());
        foreach (var (name, value) in original)
        {
            Assert.Equal(value, (string?)ServerState.Field(dead, name));
        }

        Assert.Equal("p:dl", (string?)ServerState.Field(dead, "dlq:source-stream"));
        Assert.Equal("g", (string?)ServerState.Field(dead, "dlq:group"));
        Assert.Equal("1", (string?)ServerState.Field(dead, "dlq:attempts"));
        Assert.Equal(typeof(InvalidOperationException).FullName, (string?)ServerState.Field(dead, "dlq:error-type"));
        Assert.StartsWith("cannot handle bad", (string?)ServerState.Field(dead, "dlq:error"), StringComparison.Ordinal);
    }
}
