using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>Runs alone (after the parallel collections), so that the process's heap measures this test only.</summary>
[CollectionDefinition(nameof(PubSubFloodCollection), DisableParallelization = true)]
public sealed class PubSubFloodCollection
{
}

public sealed class PubSubFloodSubscribers
{
    [ChannelSubscriber("ps:flood")]
    public static Task OnAsync(string message, PubSubGate gate, CancellationToken cancellationToken) =>
        gate.PassAsync(message.Length > 16 ? message[..16] : message, cancellationToken);
}

/// <summary>
/// A slow subscriber under a flood: its queue holds <see cref="StreamHandlersOptions.SubscriberQueueCapacity"/>
/// messages, the rest are dropped and counted, memory stays bounded and the server keeps the connection.
/// </summary>
[Collection(nameof(PubSubFloodCollection))]
public sealed class PubSubFloodTests(ITestOutputHelper output)
{
    private const string Channel = "ps:flood";
    private const int Capacity = 100;
    private const int Flood = 20_000;
    private const int PayloadBytes = 1024;
    private const int Slack = 10;

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_blocked_subscriber_flooded_with_20000_messages_keeps_its_queue_bounded_and_counts_the_drops(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        using var metrics = new PubSubMetrics(Channel);
        await using var host = await TestHost.StartAsync<PubSubFloodSubscribers>(
            server.Server,
            output,
            s => s.AddSingleton<PubSubGate>(),
            o => o.SubscriberQueueCapacity = Capacity);
        var gate = host.Get<PubSubGate>();
        var subscription = PubSubKit.Subscription(host, Channel);

        // The handler takes the first message and blocks on the gate: from here on nothing leaves the queue.
        Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal(Channel), "first"));
        await gate.Entered.WaitForAsync(e => e.Message == "first", "the handler is blocked on the first message");
        var clientBefore = await PubSubKit.SubscriberClientAsync(server.Db) ?? throw new Xunit.Sdk.XunitException("The server lists no Pub/Sub client of the host.");

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var receivers = await PublishFloodAsync(server.Server);
        var published = clock.Elapsed;

        // Every one of them reached the host's subscription on the server...
        Assert.Equal(Flood, receivers);

        // ... and the host took every one off the connection: into the queue, or dropped.
        await Wait.UntilAsync(() => metrics.Received + metrics.Dropped >= Flood + 1, TimeSpan.FromSeconds(60), $"every published message was received or dropped ({metrics})");
        var drained = clock.Elapsed;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var growth = heapAfter - heapBefore;
        output.WriteLine($"{kind}: published {Flood} x {PayloadBytes} B in {published.TotalMilliseconds:0} ms, all taken off the connection after {drained.TotalMilliseconds:0} ms; {metrics}; queued {subscription.Queued}; heap {heapBefore / 1024} KB -> {heapAfter / 1024} KB (growth {growth / 1024} KB)");

        // Memory: about the queue's 100 KB, far below the 20 MB published; the queue holds at most its capacity.
        Assert.True(growth < 8 * 1024 * 1024, $"The heap grew by {growth / 1024} KB during the flood (limit 8192 KB).");
        Assert.InRange(subscription.Queued, 0, Capacity);
        var (received, dropped, countedDropped) = (metrics.Received, metrics.Dropped, subscription.Dropped);

        // The server kept the same connection (no output-buffer disconnect, no reconnect) and holds nothing for it.
        var clientAfter = await PubSubKit.SubscriberClientAsync(server.Db) ?? throw new Xunit.Sdk.XunitException("The server lists no Pub/Sub client of the host after the flood.");
        output.WriteLine($"Subscriber client before: id={clientBefore["id"]} omem={clientBefore.GetValueOrDefault("omem")}; after: id={clientAfter["id"]} omem={clientAfter.GetValueOrDefault("omem")} tot-mem={clientAfter.GetValueOrDefault("tot-mem")}");
        Assert.Equal(clientBefore["id"], clientAfter["id"]);
        Assert.InRange(PubSubKit.Count(clientAfter, "omem"), 0, 64 * 1024);
        Assert.DoesNotContain(host.Logs.Lines, l => l.EventId.Id == 44);

        // Opened: the queue drains in publish order (the first 100 of the flood were kept, the newest dropped) ...
        gate.Open();
        await gate.Finished.WaitForCountAsync(Capacity + 1, "the queued messages were handled after the gate opened", TimeSpan.FromSeconds(30));

        // ... and the subscription is alive: a message published now is handled, right after the kept ones.
        Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal(Channel), "after the flood"));
        await gate.Finished.WaitForAsync(m => m == "after the flood", "a message published after the flood was handled");
        var finished = gate.Finished.Snapshot();
        Assert.Equal(["first", .. Enumerable.Range(0, Capacity).Select(Prefix), "after the flood"], finished);

        // The drops are counted: every message was either received into the queue or dropped, in the metrics and on
        // the subscription, ...
        Assert.Equal(Flood + 1, received + dropped);
        Assert.InRange(dropped, Flood - Capacity - Slack, Flood - Capacity);
        Assert.InRange(received, Capacity + 1, Capacity + 1 + Slack);
        Assert.Equal(dropped, countedDropped);

        // ... and reported, rate-limited: one warning per 10 s at most.
        var warnings = host.Logs.Lines.Where(l => l.EventId.Id == 43).ToList();
        Assert.InRange(warnings.Count, 1, 2 + (int)(drained.TotalSeconds / 10));
        Assert.Contains(Channel, warnings[0].Message, StringComparison.Ordinal);
    }

    private static string Prefix(int i) => $"flood {i:D5} ".PadRight(16, '.')[..16];

    private static async Task<long> PublishFloodAsync(RedisServer server)
    {
        // A connection of its own, pipelined in batches: the server is never more than a batch behind.
        await using var publisher = await server.ConnectAsync();
        var channel = RedisChannel.Literal(Channel);
        var pub = publisher.GetSubscriber();
        long receivers = 0;
        const int batch = 1_000;
        var tasks = new Task<long>[batch];
        for (var start = 0; start < Flood; start += batch)
        {
            for (var i = 0; i < batch; i++)
            {
                tasks[i] = pub.PublishAsync(channel, Payload(start + i));
            }

            foreach (var count in await Task.WhenAll(tasks))
            {
                receivers += count;
            }
        }

        Array.Clear(tasks);
        return receivers;
    }

    private static RedisValue Payload(int i)
    {
        var bytes = new byte[PayloadBytes];
        bytes.AsSpan().Fill((byte)'x');
        Encoding.ASCII.GetBytes(Prefix(i)).CopyTo(bytes, 0);
        return bytes;
    }
}
