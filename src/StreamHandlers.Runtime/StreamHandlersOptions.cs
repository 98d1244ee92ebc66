using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StackExchange.Redis;
using StreamHandlers.Infrastructure;

namespace StreamHandlers;

/// <summary>Options of StreamHandlers, set in <c>AddStreamHandlers</c> or bound from configuration.</summary>
public sealed class StreamHandlersOptions
{
    /// <summary>
    /// The StackExchange.Redis configuration string, for example <c>"localhost:6379"</c>. May be left
    /// <see langword="null"/> when an <see cref="IConnectionMultiplexer"/> is registered in the service collection,
    /// or when <see cref="ConfigurationOptions"/> is set.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Full StackExchange.Redis connection options, for what a configuration string cannot say (certificates,
    /// callbacks). Takes precedence over <see cref="Configuration"/>.
    /// </summary>
    public ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>
    /// The consumer name this process uses in every consumer group. Defaults to a name unique to this process
    /// (<c>"{machine}-{process id}-{random}"</c>), so that two processes never share pending entries.
    /// </summary>
    public string ConsumerName { get; set; } = DefaultConsumerName();

    /// <summary>
    /// How long handlers that are running when the host stops may take to finish (default 30 s). Entries they
    /// finish in time are acknowledged; after that their cancellation tokens are cancelled and unacknowledged
    /// entries stay pending for redelivery.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a consumer of a group may be idle, with no pending entries, before housekeeping removes it from
    /// the group (default 1 hour). A consumer with pending entries is never removed.
    /// </summary>
    public TimeSpan IdleConsumerTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The JSON options for messages that are neither strings nor raw entries (default:
    /// <see cref="JsonSerializerDefaults.Web"/>). For JSON without reflection (trimmed or native AOT apps) give
    /// the options of a source-generated context, or call <see cref="UseJsonTypeInfoResolver"/>.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Reads and writes JSON messages with the contracts of <paramref name="resolver"/>, typically a source-generated
    /// <see cref="System.Text.Json.Serialization.JsonSerializerContext"/>, keeping the other JSON options: no
    /// reflection, so a trimmed or native-AOT application works. A message type the resolver does not know then
    /// fails at the call, naming the type.
    /// </summary>
    /// <param name="resolver">The context (or any resolver) that knows every message type.</param>
    /// <returns>These options, for chaining.</returns>
    public StreamHandlersOptions UseJsonTypeInfoResolver(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        JsonSerializerOptions = new JsonSerializerOptions(JsonSerializerOptions) { TypeInfoResolver = resolver };
        return this;
    }

    /// <summary>
    /// How often the length, pending count and lag of every stream that has a handler are read from the server
    /// (default 15 s), for the observable gauges of the <c>StreamHandlers</c> meter and the health check.
    /// </summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many Pub/Sub messages each channel subscriber may hold while its handler is busy (default 10,000).
    /// Messages are taken off the connection at once, so a slow handler never makes the server drop it; when a
    /// subscriber's queue is full, new messages are dropped, counted (metric <c>streamhandlers.pubsub.dropped</c>)
    /// and reported in a rate-limited warning. Pub/Sub is at-most-once: use a stream for what must not be lost.
    /// </summary>
    public int SubscriberQueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Chooses which of the generated handlers this host runs (default: all). Useful to split handlers across
    /// processes, or to run a subset in tests.
    /// </summary>
    public Func<HandlerDescriptor, bool>? HandlerFilter { get; set; }

    /// <summary>Producer-side policies by stream key; see <see cref="Stream(string, Action{StreamPolicy})"/>.</summary>
    public Dictionary<string, StreamPolicy> Streams { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Producer-side policies as a list, each naming its <see cref="StreamPolicy.Stream"/>: the configuration form
    /// for keys that contain ':', which configuration reads as a path separator
    /// (<c>"StreamPolicies": [ { "Stream": "ai:tasks", "MaxLength": 100000 } ]</c>). Merged into <see cref="Streams"/>.
    /// </summary>
    public List<StreamPolicy> StreamPolicies { get; } = [];

    /// <summary>Sets the producer-side policy of a stream: its approximate maximum length and age.</summary>
    /// <param name="key">The stream key.</param>
    /// <param name="configure">Sets the policy's values.</param>
    /// <returns>These options, for chaining.</returns>
    public StreamHandlersOptions Stream(string key, Action<StreamPolicy> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(configure);
        if (!Streams.TryGetValue(key, out var policy))
        {
            policy = new StreamPolicy();
            Streams.Add(key, policy);
        }

        configure(policy);
        return this;
    }

    private static string DefaultConsumerName() =>
        $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
