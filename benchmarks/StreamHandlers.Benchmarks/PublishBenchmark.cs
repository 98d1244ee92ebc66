using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Testing;

namespace StreamHandlers.Benchmarks;

/// <summary>
/// Publish throughput of <see cref="IStreamPublisher"/>, one awaited call at a time and in batches, against
/// StackExchange.Redis's own StreamAddAsync awaited one at a time, on one server, in alternating rounds.
/// </summary>
public static class PublishBenchmark
{
    private const int Messages = 20_000;
    private const int BatchSize = 100;
    private const int Rounds = 7;
    private const string Stream = "bench:publish";

    public static async Task RunAsync(RedisServer server)
    {
        Console.WriteLine($"Publishing: {Messages:N0} entries per run, each awaited (single) or {BatchSize} per call (batched), {Rounds} rounds after a warm-up");
        using var connection = await server.ConnectAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IConnectionMultiplexer>(connection);
        builder.Services.AddStreamHandlers(options => options.HandlerFilter = _ => false);
        using var host = builder.Build();
        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<IStreamPublisher>();
        var database = connection.GetDatabase();
        const string payload = "{\"taskId\":\"0123456789\",\"prompt\":\"Summarise\",\"model\":\"small\"}";
        var batch = Enumerable.Repeat(payload, BatchSize).ToArray();

        var raw = new double[Rounds];
        var single = new double[Rounds];
        var batched = new double[Rounds];
        for (var round = -1; round < Rounds; round++)
        {
            async Task<double> Raw() => await TimeAsync(database, async () =>
            {
                for (var i = 0; i < Messages; i++)
                {
                    await database.StreamAddAsync(Stream, "data", payload);
                }
            });
            async Task<double> Single() => await TimeAsync(database, async () =>
            {
                for (var i = 0; i < Messages; i++)
                {
                    await publisher.PublishAsync(Stream, payload);
                }
            });

            // Alternate which goes first, so that neither always runs on a machine warmed (or loaded) by the other.
            double r, s;
            if (round % 2 == 0)
            {
                r = await Raw();
                s = await Single();
            }
            else
            {
                s = await Single();
                r = await Raw();
            }

            var b = await TimeAsync(database, async () =>
            {
                for (var i = 0; i < Messages; i += BatchSize)
                {
                    await publisher.PublishBatchAsync(Stream, batch);
                }
            });
            if (round < 0)
            {
                continue;
            }

            (raw[round], single[round], batched[round]) = (r, s, b);
            Console.WriteLine($"  round {round + 1}: raw StreamAddAsync {r,9:N0}/s   PublishAsync {s,9:N0}/s   PublishBatchAsync {b,9:N0}/s");
        }

        var rawMedian = Stats.Median(raw);
        Console.WriteLine($"  median: raw {rawMedian:N0}/s; PublishAsync {Stats.Median(single):N0}/s = {Stats.Median(single) / rawMedian:F2}x (target >= 0.90x); " +
                          $"PublishBatchAsync {Stats.Median(batched):N0}/s = {Stats.Median(batched) / Stats.Median(single):F1}x single");
        await host.StopAsync();
    }

    private static async Task<double> TimeAsync(IDatabase database, Func<Task> publish)
    {
        await database.KeyDeleteAsync(Stream);
        var stopwatch = Stopwatch.StartNew();
        await publish();
        var elapsed = stopwatch.Elapsed;
        var length = await database.StreamLengthAsync(Stream);
        if (length != Messages)
        {
            throw new InvalidOperationException($"Expected {Messages} entries, found {length}.");
        }

        return Messages / elapsed.TotalSeconds;
    }
}
