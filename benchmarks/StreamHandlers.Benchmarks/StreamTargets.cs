using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StreamHandlers;

namespace StreamHandlers.Benchmarks;

/// <summary>The handlers of the throughput benchmark: the same trivial work as the hand-written loop.</summary>
public static class ThroughputTargets
{
    public const string LoopStream = "bench:loop";
    public const string DefaultStream = "bench:default";
    public const string BigStream = "bench:big";

    private static int _handled;
    private static int _expected;
    private static TaskCompletionSource _done = new();

    public static Task Done => _done.Task;

    public static void Reset(int expected)
    {
        _handled = 0;
        _expected = expected;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Work(string? data)
    {
        _ = data?.Length;
    }

    private static void Count()
    {
        if (Interlocked.Increment(ref _handled) == _expected)
        {
            _done.TrySetResult();
        }
    }

    public static class Default
    {
        [StreamHandler(DefaultStream, Group = "g", Start = StreamStart.Beginning)]
        public static void Handle(string data)
        {
            Work(data);
            Count();
        }
    }

    public static class Big
    {
        [StreamHandler(BigStream, Group = "g", Start = StreamStart.Beginning, BatchSize = 256)]
        public static void Handle(string data)
        {
            Work(data);
            Count();
        }
    }
}

/// <summary>Records, at handler entry, how long ago the entry was added.</summary>
public static class LatencyTarget
{
    public const string Stream = "bench:latency";

    private static ConcurrentQueue<double> _samples = new();

    public static int Count => _samples.Count;

    public static void Reset() => _samples = new ConcurrentQueue<double>();

    public static double[] Samples() => [.. _samples];

    [StreamHandler(Stream, Group = "g")]
    public static void Handle(string sentAt)
    {
        var elapsed = Stopwatch.GetElapsedTime(long.Parse(sentAt, CultureInfo.InvariantCulture));
        _samples.Enqueue(elapsed.TotalMilliseconds);
    }
}

/// <summary>Twenty handlers that never receive anything.</summary>
public static class IdleTargets
{
    [StreamHandler("bench:idle:1")]
    [StreamHandler("bench:idle:2")]
    [StreamHandler("bench:idle:3")]
    [StreamHandler("bench:idle:4")]
    [StreamHandler("bench:idle:5")]
    [StreamHandler("bench:idle:6")]
    [StreamHandler("bench:idle:7")]
    [StreamHandler("bench:idle:8")]
    [StreamHandler("bench:idle:9")]
    [StreamHandler("bench:idle:10")]
    [StreamHandler("bench:idle:11")]
    [StreamHandler("bench:idle:12")]
    [StreamHandler("bench:idle:13")]
    [StreamHandler("bench:idle:14")]
    [StreamHandler("bench:idle:15")]
    [StreamHandler("bench:idle:16")]
    [StreamHandler("bench:idle:17")]
    [StreamHandler("bench:idle:18")]
    [StreamHandler("bench:idle:19")]
    [StreamHandler("bench:idle:20")]
    public static void Handle(string data) => _ = data;
}
