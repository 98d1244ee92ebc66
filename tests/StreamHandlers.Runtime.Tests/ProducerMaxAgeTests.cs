using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>
/// StreamPolicy.MaxAge: a background <c>XTRIM key MINID ~ now − MaxAge</c>, every clamp(MaxAge/2, 100 ms, 1 min), removes
/// entries older than MaxAge without any new publish, keeps younger ones, and stops with the host.
/// </summary>
public sealed class ProducerMaxAgeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    // Entry ids carry the server's clock and the trimmer uses the client's (the same machine here); what is asserted
    // about "not before MaxAge" allows this much.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(500);

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Old_entries_disappear_without_new_publishes_and_young_ones_are_kept(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerMaxAgeTests>(server.Server, output, options: o => o.Stream("p:aged", p => p.MaxAge = MaxAge));
        var db = server.Db;

        var clock = Stopwatch.StartNew();
        var firstPublish = clock.Elapsed;
        for (var i = 0; i < 300; i++)
        {
            await host.Streams.PublishAsync("p:aged", new ProducerRecord(i, "old"));
        }

        var lastPublish = clock.Elapsed;
        Assert.Equal(300, await db.StreamLengthAsync("p:aged"));

        // No more publishes: sample XLEN until the stream is empty, bounded.
        var samples = await SampleUntilAsync(db, "p:aged", clock, length => length == 0, TimeSpan.FromSeconds(10), "the 300 old entries were trimmed");
        var firstDrop = samples.First(s => s.Length < 300).At;
        var empty = samples[^1].At;
        output.WriteLine($"{kind}: 300 entries published in {(lastPublish - firstPublish).TotalMilliseconds:0} ms; first drop after " +
            $"{(firstDrop - firstPublish).TotalMilliseconds:0} ms, empty {(empty - lastPublish).TotalMilliseconds:0} ms after the last publish; " +
            $"lengths seen: {string.Join(",", samples.Select(s => s.Length).Distinct())}");

        // Nothing went before it was MaxAge old (the oldest node holds entries published after firstPublish).
        Assert.True(firstDrop - firstPublish >= MaxAge - Slack, $"the first entries were trimmed {(firstDrop - firstPublish).TotalMilliseconds:0} ms after they were published, before MaxAge");
        Assert.True(empty - lastPublish >= MaxAge - Slack, $"the last entries were trimmed {(empty - lastPublish).TotalMilliseconds:0} ms after they were published, before MaxAge");

        // A fresh entry is younger than MaxAge: it stays (the trimmer runs every MaxAge/2 = 1 s meanwhile) …
        var freshAt = clock.Elapsed;
        var fresh = await host.Streams.PublishAsync("p:aged", new ProducerRecord(300, "fresh"));
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.True(await db.StreamLengthAsync("p:aged") >= 1, "an entry younger than MaxAge was trimmed");
        Assert.Single(await db.StreamRangeAsync("p:aged", fresh, fresh));

        // … until it is older than MaxAge, then it goes too, still without any publish.
        var gone = await SampleUntilAsync(db, "p:aged", clock, length => length == 0, TimeSpan.FromSeconds(10), "the fresh entry was trimmed once older than MaxAge");
        Assert.True(gone[^1].At - freshAt >= MaxAge - Slack, $"the fresh entry was trimmed {(gone[^1].At - freshAt).TotalMilliseconds:0} ms after it was published, before MaxAge");
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Trimming_stops_when_the_host_stops(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var age = TimeSpan.FromSeconds(1);
        await using var host = await TestHost.StartAsync<ProducerMaxAgeTests>(server.Server, output, options: o => o.Stream("p:aged", p => p.MaxAge = age));
        var db = server.Db;

        // Trimming works in this host …
        await host.Streams.PublishBatchAsync("p:aged", Enumerable.Range(0, 50).Select(i => new ProducerRecord(i, "before")));
        await Wait.UntilAsync(async () => await db.StreamLengthAsync("p:aged") == 0, TimeSpan.FromSeconds(10), "the entries were trimmed while the host ran");

        // … and not after it stopped: entries three times MaxAge old (six trim intervals) are still there.
        await host.StopAsync();
        for (var i = 0; i < 50; i++)
        {
            await db.StreamAddAsync("p:aged", "data", $"after {i}");
        }

        await Task.Delay(3 * age);
        Assert.Equal(50, await db.StreamLengthAsync("p:aged"));
    }

    // KNOWN BUG (kept failing on purpose): StreamTrimmer runs every stream's XTRIM inside one try block, so the
    // WRONGTYPE error of the first policy skips every policy after it, on every tick, for the life of the host; the
    // one warning it logs ("Trimming streams by age failed") names no stream.
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_MaxAge_stream_whose_key_holds_another_type_does_not_stop_the_trimming_of_the_others(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;

        // The first policy's key is a string (a user's mistake, or another application's key): XTRIM fails WRONGTYPE.
        await db.StringSetAsync("p:aged:wrongtype", "not a stream");
        await using var host = await TestHost.StartAsync<ProducerMaxAgeTests>(server.Server, output, options: o => o
            .Stream("p:aged:wrongtype", p => p.MaxAge = TimeSpan.FromSeconds(1))
            .Stream("p:aged:ok", p => p.MaxAge = TimeSpan.FromSeconds(1)));

        await host.Streams.PublishBatchAsync("p:aged:ok", Enumerable.Range(0, 50).Select(i => new ProducerRecord(i, "ok")));

        // The other stream's old entries are trimmed all the same.
        await Wait.UntilAsync(async () => await db.StreamLengthAsync("p:aged:ok") == 0, TimeSpan.FromSeconds(10),
            "p:aged:ok was trimmed although the policy before it names a key of another type");
    }

    private static async Task<IReadOnlyList<(TimeSpan At, long Length)>> SampleUntilAsync(
        IDatabase db, string stream, Stopwatch clock, Func<long, bool> done, TimeSpan timeout, string because)
    {
        var samples = new List<(TimeSpan At, long Length)>();
        var start = clock.Elapsed;
        while (true)
        {
            var length = await db.StreamLengthAsync(stream);

            // Stamped after the reply: whatever the reply shows happened before this time.
            samples.Add((clock.Elapsed, length));
            if (done(length))
            {
                return samples;
            }

            if (clock.Elapsed - start > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {because} (last XLEN {length}).");
            }

            await Task.Delay(Wait.PollInterval);
        }
    }
}
