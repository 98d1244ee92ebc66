using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Infrastructure;

namespace StreamHandlers.Internal;

/// <summary>
/// One channel subscriber. Messages are drained from the connection at once into a bounded queue, so a slow
/// handler can neither make the server drop the connection (output buffer limits) nor grow memory without bound;
/// when the queue is full new messages are dropped, counted and reported. Messages are handled in publish order,
/// or <see cref="ChannelSubscriberDescriptor.Concurrency"/> at a time.
/// </summary>
internal sealed class ChannelSubscription
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    private readonly ChannelSubscriberDescriptor _subscriber;
    private readonly RedisConnections _connections;
    private readonly IServiceProvider _services;
    private readonly IServiceScopeFactory _scopes;
    private readonly MessageSerializer _serializer;
    private readonly ILogger _logger;
    private readonly Channel<ChannelMessage> _queue;
    private readonly int _capacity;
    private readonly RedisChannel _channel;
    private readonly TagList _tags;
    private readonly RateLimitedLog _dropReports = new(ReportInterval);
    private readonly RateLimitedLog _failureReports = new(ReportInterval);
    private ChannelMessageQueue? _subscription;
    private long _dropped;
    private long _failed;

    public ChannelSubscription(
        ChannelSubscriberDescriptor subscriber,
        RedisConnections connections,
        IServiceProvider services,
        MessageSerializer serializer,
        int capacity,
        ILogger logger)
    {
        _subscriber = subscriber;
        _connections = connections;
        _services = services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _serializer = serializer;
        _capacity = capacity;
        _logger = logger;
        _queue = Channel.CreateBounded<ChannelMessage>(new BoundedChannelOptions(capacity)
        {
            // Wait mode, never awaited: TryWrite then says false when the queue is full, and the drop is counted.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = subscriber.Concurrency == 1,
            SingleWriter = true,
        });

        // Names are never silently read as patterns: literal unless the attribute says Pattern.
        _channel = subscriber.Pattern ? RedisChannel.Pattern(subscriber.Channel)
            : subscriber.Sharded ? RedisChannel.Sharded(subscriber.Channel)
            : RedisChannel.Literal(subscriber.Channel);
        _tags = StreamHandlersMetrics.ChannelTags(subscriber.Channel, subscriber.HandlerName);
    }

    public ChannelSubscriberDescriptor Subscriber => _subscriber;

    /// <summary>Messages dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages whose handler threw or that could not be bound.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Messages waiting in the queue.</summary>
    public int Queued => _queue.Reader.Count;

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

        // The connection's queue is drained by this callback, in order, as fast as messages arrive.
        subscription.OnMessage(Enqueue);
        _subscription = subscription;
        Log.Subscribed(_logger, _subscriber.HandlerName, _subscriber.Pattern ? "pattern" : _subscriber.Sharded ? "shard channel" : "channel", _subscriber.Channel);
    }

    private void Enqueue(ChannelMessage message)
    {
        if (_queue.Writer.TryWrite(message))
        {
            StreamHandlersMetrics.PubSubReceived.Add(1, _tags);
            return;
        }

        var dropped = Interlocked.Increment(ref _dropped);
        StreamHandlersMetrics.PubSubDropped.Add(1, _tags);
        if (_dropReports.ShouldLog(out _))
        {
            Log.SubscriberDropped(_logger, _subscriber.HandlerName, _subscriber.Channel, _capacity, dropped);
        }
    }

    private async Task WorkAsync(CancellationToken abortHandlers)
    {
        await Task.Yield();
        var pattern = _subscriber.Pattern ? _subscriber.Channel : null;
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                var context = new ChannelMessageContext(message.Channel.ToString(), pattern);
                await HandleAsync(context, message.Message, abortHandlers).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(ChannelMessageContext context, RedisValue message, CancellationToken abortHandlers)
    {
        using var activity = StreamHandlersMetrics.StartProcess(context.Channel);
        var started = Stopwatch.GetTimestamp();

        // A scope per message only when the handler takes something from it.
        AsyncServiceScope? scope = _subscriber.UsesServices ? _scopes.CreateAsyncScope() : null;
        try
        {
            await _subscriber.Invoker(new ChannelInvocation(context, message, scope?.ServiceProvider ?? _services, _serializer, abortHandlers)).ConfigureAwait(false);
            StreamHandlersMetrics.ProcessDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _tags);
        }
        catch (OperationCanceledException) when (abortHandlers.IsCancellationRequested)
        {
            // Cancelled by the shutdown timeout: not a failure of the message.
        }
        catch (Exception ex)
        {
            // One bad message, or one failing handler, never ends the subscription.
            Interlocked.Increment(ref _failed);
            StreamHandlersMetrics.PubSubFailed.Add(1, _tags);
            StreamHandlersMetrics.Fail(activity, ex);
            if (_failureReports.ShouldLog(out var suppressed))
            {
                Log.SubscriberFailed(_logger, _subscriber.HandlerName, context.Channel, suppressed, ex);
            }
        }
        finally
        {
            if (scope is { } owned)
            {
                await owned.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
