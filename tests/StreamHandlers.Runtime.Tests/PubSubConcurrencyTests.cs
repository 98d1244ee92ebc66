using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class PubSubConcurrency4Subscribers
{
    [ChannelSubscriber("ps:conc4", Concurrency = 4)]
    public static Task OnAsync(string message, PubSubGate gate, CancellationToken cancellationToken) => gate.PassAsync(message, cancellationToken);
}

public sealed class PubSubConcurrency1Subscribers
{
    [ChannelSubscriber("ps:conc1")]
    public static Task OnAsync(string message, PubSubGate gate, CancellationToken cancellationToken) => gate.PassAsync(message, cancellationToken);
}

/// <summary><c>Concurrency = n</c> on a subscriber: n messages in flight at once, never more; 1 by default.</summary>
public sealed class PubSubConcurrencyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Concurrency_4_has_four_messages_in_flight_at_once_and_never_more(ServerKind kind)
    {
        const string channel = "ps:conc4";
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<PubSubConcurrency4Subscribers>(server.Server, output, s => s.AddSingleton<PubSubGate>());
        var gate = host.Get<PubSubGate>();
        var subscription = PubSubKit.Subscription(host, channel);

        var messages = Enumerable.Range(0, 10).Select(i => $"m{i}").ToArray();
        foreach (var message in messages)
        {
            Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), message));
        }

        // Four handlers blocked at once, and the other six waiting in the queue: no fifth worker took one.
        await gate.Entered.WaitForCountAsync(4, "four handlers are in flight at once");
        await Wait.UntilAsync(() => subscription.Queued == messages.Length - 4, TimeSpan.FromSeconds(15), $"the other six messages wait in the queue (queued {subscription.Queued})");
        Assert.Equal(4, gate.InFlight);
        Assert.Equal(4, gate.Entered.Count);

        // One at a time through the gate: each release lets exactly one more in.
        for (var released = 1; released <= messages.Length - 4; released++)
        {
            gate.Release();
            await gate.Entered.WaitForCountAsync(4 + released, $"a queued message took the freed slot ({released} released)");
            Assert.InRange(gate.MaxInFlight, 1, 4);
        }

        gate.Open();
        var finished = await gate.Finished.WaitForCountAsync(messages.Length, "every message was handled");
        Assert.Equal(messages.OrderBy(m => m), finished.OrderBy(m => m));
        Assert.Equal(4, gate.MaxInFlight);
        Assert.All(gate.Entered.Snapshot(), e => Assert.InRange(e.InFlight, 1, 4));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Concurrency_1_never_has_more_than_one_message_in_flight(ServerKind kind)
    {
        const string channel = "ps:conc1";
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<PubSubConcurrency1Subscribers>(server.Server, output, s => s.AddSingleton<PubSubGate>());
        var gate = host.Get<PubSubGate>();
        var subscription = PubSubKit.Subscription(host, channel);

        var messages = Enumerable.Range(0, 6).Select(i => $"m{i}").ToArray();
        foreach (var message in messages)
        {
            Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), message));
        }

        // One handler blocked, the other five in the queue.
        await gate.Entered.WaitForCountAsync(1, "the first handler is in flight");
        await Wait.UntilAsync(() => subscription.Queued == messages.Length - 1, TimeSpan.FromSeconds(15), $"the other five messages wait in the queue (queued {subscription.Queued})");
        Assert.Equal(1, gate.InFlight);
        Assert.Equal([("m0", 1)], gate.Entered.Snapshot());

        for (var released = 1; released < messages.Length; released++)
        {
            gate.Release();
            var entered = await gate.Entered.WaitForCountAsync(1 + released, $"the next message entered after {released} released");
            Assert.Equal((messages[released], 1), entered[released]);
        }

        gate.Release();
        var finished = await gate.Finished.WaitForCountAsync(messages.Length, "every message was handled");
        Assert.Equal(messages, finished);
        Assert.Equal(1, gate.MaxInFlight);
    }
}
