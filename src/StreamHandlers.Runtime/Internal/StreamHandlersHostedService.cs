using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StreamHandlers.Internal;

/// <summary>
/// Runs every stream handler's consume loop and every channel subscription for the life of the host, and stops
/// them gracefully: reading stops at once, handlers in flight get <see cref="StreamHandlersOptions.ShutdownTimeout"/>.
/// </summary>
internal sealed class StreamHandlersHostedService : IHostedService, IDisposable
{
    private static readonly TimeSpan PrepareTimeout = TimeSpan.FromSeconds(10);

    private readonly HandlerCatalog _catalog;
    private readonly RedisConnections _connections;
    private readonly IServiceProvider _services;
    private readonly StreamHandlersOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly List<Task> _running = [];
    private readonly List<StreamConsumer> _consumers = [];
    private readonly List<ChannelSubscription> _subscriptions = [];

    public StreamHandlersHostedService(
        HandlerCatalog catalog,
        RedisConnections connections,
        IServiceProvider services,
        IOptions<StreamHandlersOptions> options,
        ILoggerFactory loggerFactory)
    {
        _catalog = catalog;
        _connections = connections;
        _services = services;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("StreamHandlers");
    }

    internal IReadOnlyList<StreamConsumer> Consumers => _consumers;

    internal IReadOnlyList<ChannelSubscription> Subscriptions => _subscriptions;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var serializer = new MessageSerializer(_options.JsonSerializerOptions);
        var filter = _options.HandlerFilter;

        foreach (var handler in _catalog.StreamHandlers.Where(h => filter?.Invoke(h) ?? true))
        {
            var logger = _loggerFactory.CreateLogger(handler.HandlerType.FullName ?? "StreamHandlers");
            _consumers.Add(new StreamConsumer(handler, _connections, _services, serializer, _options, logger));
        }

        foreach (var subscriber in _catalog.ChannelSubscribers.Where(s => filter?.Invoke(s) ?? true))
        {
            var logger = _loggerFactory.CreateLogger(subscriber.HandlerType.FullName ?? "StreamHandlers");
            _subscriptions.Add(new ChannelSubscription(subscriber, _connections, _services, serializer, _options.SubscriberQueueCapacity, logger));
        }

        if (_consumers.Count + _subscriptions.Count == 0)
        {
            Log.NoHandlers(_logger);
            return;
        }

        // Groups and subscriptions exist before start-up completes, so nothing published right after it is missed; bounded,
        // so that a server that is down does not hold up the host.
        using (var prepare = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            prepare.CancelAfter(PrepareTimeout);
            await Task.WhenAll(_consumers.Select(c => c.PrepareAsync(prepare.Token))
                .Concat(_subscriptions.Select(s => s.PrepareAsync(prepare.Token)))).ConfigureAwait(false);
        }

        // The loops connect and retry on their own, so the host starts even while the server is down.
        _running.AddRange(_consumers.Select(c => c.RunAsync(_stopReading.Token, _abortHandlers.Token)));
        _running.AddRange(_subscriptions.Select(s => s.RunAsync(_stopReading.Token, _abortHandlers.Token)));
        Log.Started(_logger, _consumers.Count, _subscriptions.Count, _options.ConsumerName);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_running.Count == 0)
        {
            return;
        }

        // Reading stops at once: blocked reads are ended on the server first, then the loops are told.
        foreach (var consumer in _consumers)
        {
            consumer.BeginStop();
        }

        _stopReading.Cancel();
        await Task.WhenAll(_subscriptions.Select(s => s.UnsubscribeAsync())).ConfigureAwait(false);

        var all = Task.WhenAll(_running);
        var finished = await Task.WhenAny(all, Task.Delay(_options.ShutdownTimeout, cancellationToken)).ConfigureAwait(false) == all;
        if (!finished)
        {
            var unfinished = _consumers.Select(c => c.Handler.HandlerName)
                .Concat(_subscriptions.Select(s => s.Subscriber.HandlerName))
                .Zip(_running, (name, task) => (name, task))
                .Where(r => !r.task.IsCompleted)
                .Select(r => r.name);
            Log.ShutdownTimedOut(_logger, string.Join(", ", unfinished), _options.ShutdownTimeout);
            _abortHandlers.Cancel();

            // Handlers that ignore their token are not waited for past the host's own stop deadline.
            await Task.WhenAny(all, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        }

        Log.Stopped(_logger);
    }

    public void Dispose()
    {
        _stopReading.Cancel();
        _abortHandlers.Cancel();
        _stopReading.Dispose();
        _abortHandlers.Dispose();
    }
}
