using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>
/// StreamPolicy.MaxLength: every publish (single or batched) writes <c>XADD key MAXLEN ~ n</c>, so the stream stays
/// between n and n plus about one macro node (100 entries by default) for the whole run; other streams are untouched.
/// </summary>
public sealed class ProducerMaxLengthTests(ITestOutputHelper output)
{
    private const long MaxLength = 1000;

    // MAXLEN ~ removes whole macro nodes only while what remains is at least MaxLength: never below MaxLength, and
    // above it by less than one node (stream-node-max-entries = 100). Two nodes of slack is what we allow.
    private const long UpperBound = MaxLength + (2 * 100);

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Batched_publishes_keep_a_MaxLength_stream_near_its_bound_all_along(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerMaxLengthTests>(server.Server, output, options: o => o.Stream("p:capped", p => p.MaxLength = MaxLength));
        var db = server.Db;

        const int total = 20_000;
        const int chunk = 500;
        var clock = Stopwatch.StartNew();
        await using var sampler = new LengthSampler(db, "p:capped");
        long maxAfterChunk = 0;
        for (var start = 0; start < total; start += chunk)
        {
            var records = Enumerable.Range(start, chunk).Select(i => new ProducerRecord(i, $"n{i}")).ToArray();
            var ids = await host.Streams.PublishBatchAsync("p:capped", records);
            Assert.Equal(chunk, ids.Count);

            var length = await db.StreamLengthAsync("p:capped");
            maxAfterChunk = Math.Max(maxAfterChunk, length);
            if (start + chunk >= MaxLength)
            {
                Assert.InRange(length, MaxLength, UpperBound);
            }
        }

        var samples = await sampler.StopAsync();
        var final = await db.StreamLengthAsync("p:capped");
        output.WriteLine($"{kind}: {total} batched publishes in {clock.ElapsedMilliseconds} ms; XLEN final {final}, max after a chunk {maxAfterChunk}, " +
            $"{samples.Count} concurrent samples with max {samples.Max} and min (once above {MaxLength}) {samples.MinOnceFull}");

        Assert.InRange(final, MaxLength, UpperBound);
        Assert.True(samples.Count > 0, "XLEN was sampled while publishing");
        Assert.InRange(samples.Max, 0, UpperBound);
        Assert.InRange(samples.MinOnceFull ?? MaxLength, MaxLength, UpperBound);

        // What is kept is the newest entries, contiguous: the oldest remaining is number total − XLEN, the newest the last.
        await AssertNewestKeptAsync(db, "p:capped", total, final);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Single_publishes_keep_a_MaxLength_stream_near_its_bound_all_along(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerMaxLengthTests>(server.Server, output, options: o => o.Stream("p:capped", p => p.MaxLength = MaxLength));
        var db = server.Db;

        const int total = 2_000;
        var clock = Stopwatch.StartNew();
        long max = 0;
        long minOnceFull = long.MaxValue;
        for (var i = 0; i < total; i++)
        {
            await host.Streams.PublishAsync("p:capped", new ProducerRecord(i, $"n{i}"));
            if (i % 10 == 9)
            {
                var length = await db.StreamLengthAsync("p:capped");
                max = Math.Max(max, length);
                if (i + 1 >= MaxLength)
                {
                    minOnceFull = Math.Min(minOnceFull, length);
                }
            }
        }

        var final = await db.StreamLengthAsync("p:capped");
        output.WriteLine($"{kind}: {total} single publishes in {clock.ElapsedMilliseconds} ms; XLEN final {final}, sampled max {max}, sampled min once full {minOnceFull}");

        Assert.InRange(final, MaxLength, UpperBound);
        Assert.InRange(max, MaxLength, UpperBound);
        Assert.InRange(minOnceFull, MaxLength, UpperBound);
        await AssertNewestKeptAsync(db, "p:capped", total, final);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Streams_without_a_policy_are_not_trimmed_even_when_their_key_starts_like_a_capped_one(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerMaxLengthTests>(server.Server, output, options: o => o.Stream("p:capped", p => p.MaxLength = 100));
        var db = server.Db;

        for (var start = 0; start < 3_000; start += 500)
        {
            await host.Streams.PublishBatchAsync("p:uncapped", Enumerable.Range(start, 500).Select(i => new ProducerRecord(i, "u")));
        }

        for (var i = 0; i < 1_500; i++)
        {
            await host.Streams.PublishAsync("p:capped:other", i);
        }

        await host.Streams.PublishBatchAsync("p:capped", Enumerable.Range(0, 1_500).Select(i => new ProducerRecord(i, "c")));

        Assert.Equal(3_000, await db.StreamLengthAsync("p:uncapped"));
        Assert.Equal(1_500, await db.StreamLengthAsync("p:capped:other"));
        Assert.InRange(await db.StreamLengthAsync("p:capped"), 100, 300);
    }

    private static async Task AssertNewestKeptAsync(IDatabase db, string stream, int total, long length)
    {
        var oldest = Assert.Single(await db.StreamRangeAsync(stream, "-", "+", count: 1));
        var newest = Assert.Single(await db.StreamRangeAsync(stream, "-", "+", count: 1, messageOrder: Order.Descending));
        var oldestSeq = JsonDocument.Parse((string)ServerState.Field(oldest, "data")!).RootElement.GetProperty("seq").GetInt32();
        Assert.Equal(total - length, oldestSeq);
        Assert.Equal(ProducerRecord.ExpectedJson(new ProducerRecord(total - 1, $"n{total - 1}")), (string?)ServerState.Field(newest, "data"));
    }

    /// <summary>Samples XLEN in a loop on its own connection while the test publishes.</summary>
    private sealed class LengthSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<Samples> _loop;

        public LengthSampler(IDatabase db, string stream) => _loop = Task.Run(() => LoopAsync(db, stream, _stop.Token));

        public async Task<Samples> StopAsync()
        {
            await _stop.CancelAsync();
            return await _loop;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (Exception)
            {
                // Reported by StopAsync when the test gets that far.
            }

            _stop.Dispose();
        }

        private static async Task<Samples> LoopAsync(IDatabase db, string stream, CancellationToken stop)
        {
            var samples = new Samples();
            while (!stop.IsCancellationRequested)
            {
                samples.Add(await db.StreamLengthAsync(stream));
            }

            return samples;
        }
    }

    private sealed class Samples
    {
        private long? _minOnceAbove;
        private bool _above;

        public int Count { get; private set; }

        public long Max { get; private set; }

        public void Add(long length)
        {
            Count++;
            Max = Math.Max(Max, length);
            if (length >= MaxLength)
            {
                _above = true;
            }

            if (_above)
            {
                _minOnceAbove = Math.Min(_minOnceAbove ?? long.MaxValue, length);
            }
        }

        /// <summary>The smallest sample once the stream first reached MaxLength.</summary>
        public long? MinOnceFull => _minOnceAbove;
    }
}
