using System;
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
        var maxLength = _options.Streams.TryGetValue(stream, out var policy) ? policy.MaxLength : null;
        var database = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

        // XADD stream [MAXLEN ~ n] * data value   (or one field per property of a [StreamFields] type)
        var id = await database
            .StreamAddAsync(stream, fields, messageId: null, maxLength: maxLength, useApproximateMaxLength: true, limit: null, trimMode: StreamTrimMode.KeepReferences)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        return id.ToString();
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
        var subscriber = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetSubscriber();
        return await subscriber.PublishAsync(RedisChannel.Literal(channel), value).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
