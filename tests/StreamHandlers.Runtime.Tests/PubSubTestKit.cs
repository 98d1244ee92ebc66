using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using StreamHandlers.Internal;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;

namespace StreamHandlers.Runtime.Tests;

/// <summary>What a Pub/Sub test subscriber saw: which subscriber, the context and the message.</summary>
public sealed record PubSubSeen(string Subscriber, string Channel, string? Pattern, string Message);

/// <summary>
/// Counts the <c>streamhandlers.pubsub.*</c> measurements of the <c>StreamHandlers</c> meter for one channel
/// (the meter is static and shared by every test in the process, so measurements are told apart by their
/// <c>messaging.destination.name</c> tag).
/// </summary>
public sealed class PubSubMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _channel;
    private long _received;
    private long _dropped;
    private long _failed;

    public PubSubMetrics(string channel)
    {
        _channel = channel;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StreamHandlersMetrics.MeterName && instrument.Name.StartsWith("streamhandlers.pubsub.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Received => Interlocked.Read(ref _received);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Failed => Interlocked.Read(ref _failed);

    public override string ToString() => $"received {Received}, dropped {Dropped}, failed {Failed}";

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var matches = false;
        foreach (var tag in tags)
        {
            if (tag.Key == "messaging.destination.name" && tag.Value is string name && name == _channel)
            {
                matches = true;
                break;
            }
        }

        if (!matches)
        {
            return;
        }

        switch (instrument.Name)
        {
            case "streamhandlers.pubsub.received":
                Interlocked.Add(ref _received, value);
                break;
            case "streamhandlers.pubsub.dropped":
                Interlocked.Add(ref _dropped, value);
                break;
            case "streamhandlers.pubsub.failed":
                Interlocked.Add(ref _failed, value);
                break;
        }
    }
}

/// <summary>
/// Holds subscriber handlers until the test opens it, counting how many are in flight at once. Each handler's
/// message is recorded when it enters and when it leaves.
/// </summary>
public sealed class PubSubGate
{
    private readonly SemaphoreSlim _permits = new(0, int.MaxValue);
    private int _inFlight;
    private int _max;

    /// <summary>The message and the in-flight count right after each handler entered.</summary>
    public Probe<(string Message, int InFlight)> Entered { get; } = new();

    /// <summary>The messages whose handlers finished, in the order they finished.</summary>
    public Probe<string> Finished { get; } = new();

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MaxInFlight => Volatile.Read(ref _max);

    /// <summary>Lets <paramref name="count"/> waiting (or future) handlers through.</summary>
    public void Release(int count = 1) => _permits.Release(count);

    /// <summary>Lets every handler through from now on.</summary>
    public void Open() => _permits.Release(int.MaxValue / 2);

    public async Task PassAsync(string message, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int current;
        while ((current = Volatile.Read(ref _max)) < now && Interlocked.CompareExchange(ref _max, now, current) != current)
        {
        }

        Entered.Add((message, now));
        try
        {
            await _permits.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        Finished.Add(message);
    }
}

/// <summary>Shorthands for Pub/Sub tests.</summary>
public static class PubSubKit
{
    /// <summary>The channel subscriptions of a running test host, to read their queue lengths.</summary>
    internal static IReadOnlyList<ChannelSubscription> Subscriptions(TestHost host) =>
        host.Services.GetServices<IHostedService>().OfType<StreamHandlersHostedService>().Single().Subscriptions;

    /// <summary>The one subscription of a running test host that subscribes to <paramref name="channel"/>.</summary>
    internal static ChannelSubscription Subscription(TestHost host, string channel) =>
        Subscriptions(host).Single(s => s.Subscriber.Channel == channel);

    /// <summary>
    /// CLIENT LIST of the server, one dictionary of fields per client.
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> ClientListAsync(IDatabase db)
    {
        var text = (string?)await db.ExecuteAsync("CLIENT", "LIST") ?? string.Empty;
        var clients = new List<IReadOnlyDictionary<string, string>>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    fields[pair[..eq]] = pair[(eq + 1)..];
                }
            }

            clients.Add(fields);
        }

        return clients;
    }

    /// <summary>
    /// The server's view of the host's Pub/Sub connection: the client named <c>StreamHandlers</c> with at least one
    /// (channel, pattern or shard channel) subscription.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>?> SubscriberClientAsync(IDatabase db)
    {
        foreach (var client in await ClientListAsync(db))
        {
            if (client.GetValueOrDefault("name") == "StreamHandlers" && (Count(client, "sub") + Count(client, "psub") + Count(client, "ssub")) > 0)
            {
                return client;
            }
        }

        return null;
    }

    public static long Count(IReadOnlyDictionary<string, string> client, string field) =>
        client.TryGetValue(field, out var value) && long.TryParse(value, out var n) ? n : 0;

    /// <summary>
    /// Publishes (PUBLISH, or SPUBLISH for a shard channel) from <paramref name="connection"/> until the server
    /// answers and reports at least one receiver; a publish that reached nobody delivered nothing, so exactly one
    /// message is delivered in the end. Returns the receiver count and the number of attempts.
    /// </summary>
    public static async Task<(long Receivers, int Attempts)> PublishUntilReceivedAsync(IConnectionMultiplexer connection, RedisChannel channel, string message, TimeSpan timeout)
    {
        long receivers = 0;
        var attempts = 0;
        await Wait.UntilAsync(
            async () =>
            {
                attempts++;
                try
                {
                    receivers = await connection.GetSubscriber().PublishAsync(channel, message);
                    return receivers >= 1;
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or RedisServerException)
                {
                    // Not up yet (or still loading); the next attempt follows.
                    return false;
                }
            },
            timeout,
            $"a publish to '{channel}' reached at least one subscriber");
        return (receivers, attempts);
    }
}
