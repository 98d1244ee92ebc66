using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Infrastructure;

namespace StreamHandlers.Internal;

/// <summary>
/// One channel subscriber: messages are drained from the connection at once into a bounded queue, so a slow
/// handler never makes the server drop the connection, and handled in publish order (or
/// <see cref="ChannelSubscriberDescriptor.Concurrency"/> at a time).
/// </summary>
internal sealed class ChannelSubscription
{
    /// <summary>Messages held for a slow subscriber; past that, new messages are dropped and counted.</summary>
    public const int QueueCapacity = 10_000;

    private readonly ChannelSubscriberDescriptor _subscriber;
    private readonly RedisConnections _connections;
    private readonly IServiceScopeFactory _scopes;
    private readonly MessageSerializer _serializer;
    private readonly ILogger _logger;
    private readonly Channel<ChannelMessage> _queue;
    private readonly RedisChannel _channel;
    private ChannelMessageQueue? _subscription;
    private long _dropped;

    public ChannelSubscription(ChannelSubscriberDescriptor subscriber, RedisConnections connections, IServiceScopeFactory scopes, MessageSerializer serializer, ILogger logger)
    {
        _subscriber = subscriber;
        _connections = connections;
        _scopes = scopes;
        _serializer = serializer;
        _logger = logger;
        _queue = Channel.CreateBounded<ChannelMessage>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = subscriber.Concurrency == 1,
            SingleWriter = true,
        });

        // Names are never silently read as patterns: literal unless the attribute says Pattern.
        _channel = subscriber.Pattern ? RedisChannel.Pattern(subscriber.Channel)
            : subscriber.Sharded ? RedisChannel.Sharded(subscriber.Channel)
            : RedisChannel.Literal(subscriber.Channel);
    }

    /// <summary>Messages dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Subscribes before the host reports itself started, so that a message published right after start-up is
    /// received. With the server down this gives up quietly and <see cref="RunAsync"/> keeps trying.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SubscribeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisErrors.IsConnectionProblem(ex))
        {
            // RunAsync retries with backoff.
        }
    }

    /// <summary>
    /// Subscribes (retrying until the server answers), then handles messages until the queue is completed by
    /// <see cref="UnsubscribeAsync"/>. The connection restores the subscription after a reconnect by itself.
    /// </summary>
    public async Task RunAsync(CancellationToken stopReading, CancellationToken abortHandlers)
    {
        await Task.Yield();
        var backoff = new Backoff();
        while (_subscription is null && !stopReading.IsCancellationRequested)
        {
            try
            {
                await SubscribeAsync(stopReading).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopReading.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                var delay = backoff.Next;
                Log.SubscribeFailed(_logger, _subscriber.HandlerName, _subscriber.Channel, delay, ex);
                await Backoff.DelayAsync(delay, stopReading).ConfigureAwait(false);
            }
        }

        if (_subscription is null)
        {
            return;
        }

        var workers = new Task[_subscriber.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkAsync(abortHandlers);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>Stops receiving: messages already queued are still handled, then <see cref="RunAsync"/> returns.</summary>
    public async Task UnsubscribeAsync()
    {
        if (_subscription is { } subscription)
        {
            try
            {
                await subscription.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisErrors.IsConnectionProblem(ex))
            {
                // The server is gone; there is nothing left to unsubscribe from.
            }
        }

        _queue.Writer.TryComplete();
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        if (_subscription is not null)
        {
            return;
        }

        var connection = await _connections.GetSharedAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await connection.GetSubscriber().SubscribeAsync(_channel).WaitAsync(cancellationToken).ConfigureAwait(false);
        subscription.OnMessage(Enqueue);
        _subscription = subscription;
        Log.Subscribed(_logger, _subscriber.HandlerName, _subscriber.Pattern ? "pattern" : _subscriber.Sharded ? "shard channel" : "channel", _subscriber.Channel);
    }

    private void Enqueue(ChannelMessage message)
    {
        if (!_queue.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task WorkAsync(CancellationToken abortHandlers)
    {
        await Task.Yield();
        await foreach (var message in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            var pattern = _subscriber.Pattern ? _subscriber.Channel : null;
            var context = new ChannelMessageContext(message.Channel.ToString(), pattern);
            var scope = _scopes.CreateAsyncScope();
            try
            {
                await _subscriber.Invoker(new ChannelInvocation(context, message.Message, scope.ServiceProvider, _serializer, abortHandlers)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // One bad message, or one failing handler, never ends the subscription.
                Log.SubscriberFailed(_logger, _subscriber.HandlerName, context.Channel, ex);
            }
            finally
            {
                await scope.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
