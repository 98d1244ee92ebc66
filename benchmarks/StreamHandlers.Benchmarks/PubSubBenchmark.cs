using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers;
using StreamHandlers.Testing;

namespace StreamHandlers.Benchmarks;

/// <summary>
/// Delivered Pub/Sub messages per second: a generated [ChannelSubscriber] against a raw StackExchange.Redis
/// subscription, on one server, with the same publisher, in alternating rounds.
/// </summary>
public static class PubSubBenchmark
{
    public const string Channel = "bench:pubsub";
    private const int Messages = 200_000;
    private const int Rounds = 5;

    public static async Task RunAsync(RedisServer server)
    {
        Console.WriteLine($"Pub/Sub: {Messages:N0} messages per run, {Rounds} rounds after a warm-up, {server.Kind} {server.Version} on loopback");
        var raw = new double[Rounds];
        var generated = new double[Rounds];
        long droppedTotal = 0;
        await RawAsync(server);
        await GeneratedAsync(server);
        for (var round = 0; round < Rounds; round++)
        {
            raw[round] = await RawAsync(server);
            (generated[round], var dropped) = await GeneratedAsync(server);
            droppedTotal += dropped;
            Console.WriteLine($"  round {round + 1}: raw subscription {raw[round],10:N0} msg/s   [ChannelSubscriber] {generated[round],10:N0} msg/s   dropped {dropped}");
        }

        var rawMedian = Stats.Median(raw);
        var generatedMedian = Stats.Median(generated);
        Console.WriteLine($"  median: raw {rawMedian:N0} msg/s, [ChannelSubscriber] {generatedMedian:N0} msg/s, ratio {generatedMedian / rawMedian:F2}x (target >= 0.90x), dropped {droppedTotal}");
    }

    private static async Task<double> RawAsync(RedisServer server)
    {
        using var subscriberConnection = await server.ConnectAsync();
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = await subscriberConnection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channel));
        queue.OnMessage(message =>
        {
            // The same work the generated invoker does: the message as a string.
            _ = (string?)message.Message;
            if (++received == Messages)
            {
                done.TrySetResult();
            }
        });

        var elapsed = await PublishAllAsync(server, done.Task);
        await queue.UnsubscribeAsync();
        return Messages / elapsed.TotalSeconds;
    }

    private static async Task<(double Rate, long Dropped)> GeneratedAsync(RedisServer server)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddStreamHandlers(options =>
        {
            options.Configuration = server.ConnectionString;
            options.HandlerFilter = h => h.HandlerType == typeof(PubSubTarget);
        });
        using var host = builder.Build();
        PubSubTarget.Reset(Messages);
        await host.StartAsync();
        var elapsed = await PublishAllAsync(server, PubSubTarget.Done);
        await host.StopAsync();
        return (Messages / elapsed.TotalSeconds, Messages - PubSubTarget.Received);
    }

    /// <summary>Publishes every message pipelined on a connection of its own; the time runs until the last one is handled.</summary>
    private static async Task<TimeSpan> PublishAllAsync(RedisServer server, Task done)
    {
        using var publisher = await server.ConnectAsync();
        var subscriber = publisher.GetSubscriber();
        var channel = RedisChannel.Literal(Channel);
        var payload = (RedisValue)"{\"kind\":\"completed\",\"taskId\":\"0123456789\"}";
        var stopwatch = Stopwatch.StartNew();
        var pending = new Task[1000];
        for (var sent = 0; sent < Messages; sent += pending.Length)
        {
            for (var i = 0; i < pending.Length; i++)
            {
                pending[i] = subscriber.PublishAsync(channel, payload);
            }

            await Task.WhenAll(pending);
        }

        if (await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(60))) != done)
        {
            Console.WriteLine("  (not every message arrived within 60 s: the rate counts the time to the deadline)");
        }

        return stopwatch.Elapsed;
    }
}

/// <summary>The generated subscriber under test: as small as the raw loop's callback.</summary>
public static class PubSubTarget
{
    private static int _received;
    private static int _expected;
    private static TaskCompletionSource _done = new();

    public static int Received => Volatile.Read(ref _received);

    public static Task Done => _done.Task;

    public static void Reset(int expected)
    {
        _received = 0;
        _expected = expected;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [ChannelSubscriber(PubSubBenchmark.Channel)]
    public static void OnMessage(string message)
    {
        if (Interlocked.Increment(ref _received) == _expected)
        {
            _done.TrySetResult();
        }
    }
}
