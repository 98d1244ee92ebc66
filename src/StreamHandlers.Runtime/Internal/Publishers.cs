using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary><see cref="IStreamPublisher"/> over the shared connection.</summary>
internal sealed class StreamPublisher(RedisConnections connections, IOptions<StreamHandlersOptions> options) : IStreamPublisher
{
    private readonly MessageSerializer _serializer = new(options.Value.JsonSerializerOptions);
    private readonly StreamHandlersOptions _options = options.Value;

    public async Task<string> PublishAsync<T>(string stream, T message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);

        // Serialised before anything is sent: a message that cannot be written throws here and writes nothing.
        var fields = _serializer.ToFields(message);
        using var activity = StreamHandlersMetrics.StartSend(stream, 1);
        fields = StreamHandlersMetrics.WithTraceContext(fields);
        var maxLength = _options.Streams.TryGetValue(stream, out var policy) ? policy.MaxLength : null;
        var database = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

        // XADD stream [MAXLEN ~ n] * data value   (or one field per property of a [StreamFields] type)
        var id = await database
            .StreamAddAsync(stream, fields, messageId: null, maxLength: maxLength, useApproximateMaxLength: true, limit: null, trimMode: StreamTrimMode.KeepReferences)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        return id.ToString();
    }

    public async Task<IReadOnlyList<string>> PublishBatchAsync<T>(string stream, IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(messages);

        // Everything is serialised first: one bad message means nothing is written.
        var all = messages.Select(_serializer.ToFields).ToArray();
        if (all.Length == 0)
        {
            return [];
        }

        using var activity = StreamHandlersMetrics.StartSend(stream, all.Length);
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = StreamHandlersMetrics.WithTraceContext(all[i]);
        }

        var maxLength = _options.Streams.TryGetValue(stream, out var policy) ? policy.MaxLength : null;
        var database = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

        // A batch sends every XADD in one write and the replies come back together: one round trip.
        var batch = database.CreateBatch();
        var adds = new Task<RedisValue>[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            adds[i] = batch.StreamAddAsync(stream, all[i], messageId: null, maxLength: maxLength, useApproximateMaxLength: true, limit: null, trimMode: StreamTrimMode.KeepReferences);
        }

        batch.Execute();
        var ids = await Task.WhenAll(adds).WaitAsync(cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(ids, id => id.ToString());
    }
}

/// <summary><see cref="IChannelPublisher"/> over the shared connection.</summary>
internal sealed class ChannelPublisher(RedisConnections connections, IOptions<StreamHandlersOptions> options) : IChannelPublisher
{
    private readonly MessageSerializer _serializer = new(options.Value.JsonSerializerOptions);

    public async Task<long> PublishAsync<T>(string channel, T message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var value = _serializer.Serialize(message);
        using var activity = StreamHandlersMetrics.StartSend(channel, 1);
        var subscriber = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetSubscriber();
        return await subscriber.PublishAsync(RedisChannel.Literal(channel), value).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
