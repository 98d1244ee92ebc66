using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Testing;

namespace StreamHandlers.Benchmarks;

/// <summary>
/// The stream engine against a hand-written StackExchange.Redis loop, on one server, in one run:
/// consume throughput, wake latency, idle CPU and allocations per entry.
/// </summary>
public static class StreamBenchmark
{
    private const int Entries = 200_000;
    private const int Rounds = 5;

    public static async Task RunAsync(RedisServer server)
    {
        using var connection = await server.ConnectAsync();
        await ThroughputAsync(connection);
        await LatencyAsync(server, connection);
        await IdleCpuAsync(server);
    }

    private static async Task ThroughputAsync(ConnectionMultiplexer connection)
    {
        Console.WriteLine($"Streams, consume throughput: {Entries:N0} pre-filled entries, timed from start to the last acknowledgement, {Rounds} rounds after a warm-up");
        var loop = new List<double>();
        var generated = new List<double>();
        var big = new List<double>();
        var loopAlloc = new List<double>();
        var generatedAlloc = new List<double>();
        for (var round = -1; round < Rounds; round++)
        {
            // Round -1 warms up the JIT and the connections; it is not counted.
            await FillAsync(connection, ThroughputTargets.LoopStream);
            var (rate, alloc) = await HandWrittenLoopAsync(connection);
            loop.Add(rate);
            loopAlloc.Add(alloc);
            var loopCpu = LastCpuPerEntry;

            await FillAsync(connection, ThroughputTargets.DefaultStream);
            (rate, alloc) = await GeneratedAsync(connection, typeof(ThroughputTargets.Default), ThroughputTargets.DefaultStream);
            generated.Add(rate);
            generatedAlloc.Add(alloc);
            var generatedCpu = LastCpuPerEntry;

            await FillAsync(connection, ThroughputTargets.BigStream);
            (rate, _) = await GeneratedAsync(connection, typeof(ThroughputTargets.Big), ThroughputTargets.BigStream);
            big.Add(rate);

            if (round < 0)
            {
                loop.Clear();
                generated.Clear();
                big.Clear();
                loopAlloc.Clear();
                generatedAlloc.Clear();
                continue;
            }

            Console.WriteLine($"  round {round + 1}: hand-written loop {loop[^1],9:N0}/s ({loopCpu:F1} µs CPU/entry)   generated (defaults) {generated[^1],9:N0}/s ({generatedCpu:F1} µs CPU/entry)   generated (BatchSize 256) {big[^1],9:N0}/s");
        }

        var loopMedian = Stats.Median([.. loop]);
        Console.WriteLine($"  median: hand-written {loopMedian:N0}/s; generated, defaults {Stats.Median([.. generated]):N0}/s = {Stats.Median([.. generated]) / loopMedian:F2}x (target >= 0.90x); " +
                          $"generated, BatchSize 256 {Stats.Median([.. big]):N0}/s = {Stats.Median([.. big]) / loopMedian:F2}x (target > 1.00x)");
        Console.WriteLine($"  allocated per handled entry: generated {Stats.Median([.. generatedAlloc]):N0} B, hand-written loop {Stats.Median([.. loopAlloc]):N0} B");
    }

    /// <summary>Only the generated handler with defaults, a few times: for a profiler.</summary>
    public static async Task ProfileAsync(RedisServer server)
    {
        using var connection = await server.ConnectAsync();
        for (var i = 0; i < 4; i++)
        {
            await FillAsync(connection, ThroughputTargets.DefaultStream);
            var (rate, _) = await GeneratedAsync(connection, typeof(ThroughputTargets.Default), ThroughputTargets.DefaultStream);
            Console.WriteLine($"  generated (defaults) {rate:N0}/s");
        }
    }

    private static async Task FillAsync(ConnectionMultiplexer connection, string stream)
    {
        var database = connection.GetDatabase();
        await database.KeyDeleteAsync(stream);
        var payload = (RedisValue)"{\"taskId\":\"0123456789\",\"prompt\":\"Summarise\",\"model\":\"small\"}";
        var pending = new Task[1000];
        for (var added = 0; added < Entries; added += pending.Length)
        {
            for (var i = 0; i < pending.Length; i++)
            {
                pending[i] = database.StreamAddAsync(stream, "data", payload);
            }

            await Task.WhenAll(pending);
        }
    }

    /// <summary>The loop people write by hand: XREADGROUP COUNT 256, handle, one XACK for the batch.</summary>
    private static async Task<(double Rate, double AllocatedPerEntry)> HandWrittenLoopAsync(ConnectionMultiplexer connection)
    {
        var database = connection.GetDatabase();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await database.StreamCreateConsumerGroupAsync(ThroughputTargets.LoopStream, "g", "0", createStream: true);
        var handled = 0;
        while (handled < Entries)
        {
            var entries = await database.StreamReadGroupAsync(ThroughputTargets.LoopStream, "g", "c", ">", 256);
            var ids = new RedisValue[entries.Length];
            for (var i = 0; i < entries.Length; i++)
            {
                ThroughputTargets.Work((string?)entries[i]["data"]);
                ids[i] = entries[i].Id;
            }

            await database.StreamAcknowledgeAsync(ThroughputTargets.LoopStream, "g", ids);
            handled += entries.Length;
        }

        var elapsed = stopwatch.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        LastCpuPerEntry = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / Entries;
        return (Entries / elapsed.TotalSeconds, (double)allocated / Entries);
    }

    private static double LastCpuPerEntry;

    private static async Task<(double Rate, double AllocatedPerEntry)> GeneratedAsync(ConnectionMultiplexer connection, Type handlerType, string stream)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();

        // The same connected multiplexer the hand-written loop uses, as an application that has one registers it.
        builder.Services.AddSingleton<IConnectionMultiplexer>(connection);
        builder.Services.AddStreamHandlers(options => options.HandlerFilter = h => h.HandlerType == handlerType);
        using var host = builder.Build();
        ThroughputTargets.Reset(Entries);
        var database = connection.GetDatabase();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await host.StartAsync();
        await ThroughputTargets.Done.WaitAsync(TimeSpan.FromMinutes(2));

        // Timed to the last acknowledgement, as the hand-written loop is.
        while ((await database.StreamPendingAsync(stream, "g")).PendingMessageCount > 0)
        {
            await Task.Delay(1);
        }

        var elapsed = stopwatch.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        LastCpuPerEntry = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / Entries;
        await host.StopAsync();
        return (Entries / elapsed.TotalSeconds, (double)allocated / Entries);
    }

    private static async Task LatencyAsync(RedisServer server, ConnectionMultiplexer connection)
    {
        const int samples = 500;
        Console.WriteLine($"Streams, wake latency from XADD to handler entry: {samples} entries at ~100/s into an idle handler");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddStreamHandlers(options =>
        {
            options.Configuration = server.ConnectionString;
            options.HandlerFilter = h => h.HandlerType == typeof(LatencyTarget);
        });
        using var host = builder.Build();
        await host.StartAsync();
        var database = connection.GetDatabase();
        LatencyTarget.Reset();
        for (var i = 0; i < samples; i++)
        {
            await database.StreamAddAsync(LatencyTarget.Stream, "data", Stopwatch.GetTimestamp().ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Task.Delay(10);
        }

        await Wait.UntilAsync(() => LatencyTarget.Count >= samples, TimeSpan.FromSeconds(30), "every latency sample arrived");
        await host.StopAsync();
        var sorted = LatencyTarget.Samples().OrderBy(v => v).ToArray();
        Console.WriteLine($"  p50 {Stats.Percentile(sorted, 50):F3} ms, p90 {Stats.Percentile(sorted, 90):F3} ms, p99 {Stats.Percentile(sorted, 99):F3} ms (target p50 <= 1 ms)");
    }

    private static async Task IdleCpuAsync(RedisServer server)
    {
        var window = TimeSpan.FromSeconds(10);
        Console.WriteLine($"Streams, idle cost: CPU time of this process over {window.TotalSeconds:F0} s, without a host and then with 20 idle handlers");
        var process = Process.GetCurrentProcess();

        process.Refresh();
        var before = process.TotalProcessorTime;
        await Task.Delay(window);
        process.Refresh();
        var baseline = process.TotalProcessorTime - before;

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddStreamHandlers(options =>
        {
            options.Configuration = server.ConnectionString;
            options.HandlerFilter = h => h.HandlerType == typeof(IdleTargets);
        });
        using var host = builder.Build();
        await host.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        process.Refresh();
        before = process.TotalProcessorTime;
        await Task.Delay(window);
        process.Refresh();
        var idle = process.TotalProcessorTime - before;
        await host.StopAsync();
        Console.WriteLine($"  no host {baseline.TotalSeconds:F3} s; 20 idle handlers {idle.TotalSeconds:F3} s (target < 0.100 s)");
    }
}
