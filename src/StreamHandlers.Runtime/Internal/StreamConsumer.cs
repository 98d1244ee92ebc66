using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Infrastructure;

namespace StreamHandlers.Internal;

/// <summary>
/// The consume loop of one stream handler: make sure the group exists, block on the server for new entries,
/// handle them, and acknowledge each one only after its handler completed.
/// </summary>
internal sealed class StreamConsumer
{
    private readonly StreamHandlerDescriptor _handler;
    private readonly RedisConnections _connections;
    private readonly IServiceProvider _services;
    private readonly IServiceScopeFactory _scopes;
    private readonly MessageSerializer _serializer;
    private readonly string _consumer;
    private readonly ILogger _logger;
    private readonly RedisKey _stream;
    private readonly RedisKey _deadLetterStream;

    // The id of the last entry read, so that a group recreated after NOGROUP skips nothing added later.
    private RedisValue _lastSeenId = RedisValue.Null;
    private bool _groupReady;

    public StreamConsumer(StreamHandlerDescriptor handler, RedisConnections connections, IServiceProvider services, MessageSerializer serializer, string consumer, ILogger logger)
    {
        _handler = handler;
        _connections = connections;
        _services = services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _serializer = serializer;
        _consumer = consumer;
        _logger = logger;
        _stream = handler.Stream;
        _deadLetterStream = handler.DeadLetterStream;
    }

    public StreamHandlerDescriptor Handler => _handler;

    /// <summary>
    /// Creates the consumer group before the host reports itself started, so that an entry added right after
    /// start-up is not skipped by a group created later at <c>$</c>. With the server down this gives up quietly
    /// and the loop creates the group once the server is back.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            var database = (await _connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
            await EnsureGroupAsync(database).WaitAsync(cancellationToken).ConfigureAwait(false);
            _groupReady = true;
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisErrors.IsConnectionProblem(ex))
        {
            // The loop retries with backoff and logs the outage once.
        }
    }

    /// <summary>
    /// Runs until <paramref name="stopReading"/> is cancelled, then returns once the handlers it started have
    /// finished; <paramref name="abortHandlers"/> is what those handlers see as their cancellation token.
    /// </summary>
    public async Task RunAsync(CancellationToken stopReading, CancellationToken abortHandlers)
    {
        // Never run the loop on the caller's thread: the host's start-up must not wait for the server.
        await Task.Yield();

        var backoff = new Backoff();
        long? outageStarted = null;
        ConnectionMultiplexer? reader = null;
        try
        {
            while (!stopReading.IsCancellationRequested)
            {
                try
                {
                    var database = (await _connections.GetSharedAsync(stopReading).ConfigureAwait(false)).GetDatabase();
                    reader ??= await _connections.CreateDedicatedAsync($"{_handler.Stream}/{_handler.Group}").WaitAsync(stopReading).ConfigureAwait(false);

                    if (!_groupReady)
                    {
                        await EnsureGroupAsync(database).ConfigureAwait(false);
                        _groupReady = true;
                    }

                    var entries = await StreamCommands
                        .ReadGroupAsync(reader.GetDatabase(), _stream, _handler.Group, _consumer, _handler.BatchSize, RedisConnections.BlockTimeout)
                        .WaitAsync(stopReading)
                        .ConfigureAwait(false);

                    if (outageStarted is { } started)
                    {
                        Log.Recovered(_logger, _handler.HandlerName, Stopwatch.GetElapsedTime(started));
                        outageStarted = null;
                    }

                    backoff.Reset();
                    if (entries.Length > 0)
                    {
                        _lastSeenId = entries[^1].Id;
                        await HandleBatchAsync(database, entries, stopReading, abortHandlers).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stopReading.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (RedisErrors.IsNoGroup(ex))
                {
                    Log.GroupMissing(_logger, _handler.Stream, _handler.Group);
                    _groupReady = false;
                    await backoff.DelayAsync(stopReading).ConfigureAwait(false);
                }
                catch (Exception ex) when (RedisErrors.IsConnectionProblem(ex))
                {
                    // One line per outage, however long it lasts.
                    if (outageStarted is null)
                    {
                        outageStarted = Stopwatch.GetTimestamp();
                        Log.Outage(_logger, _handler.HandlerName, ex);
                    }

                    await backoff.DelayAsync(stopReading).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    var delay = backoff.Next;
                    Log.LoopError(_logger, _handler.HandlerName, delay, ex);
                    await Backoff.DelayAsync(delay, stopReading).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (reader is not null)
            {
                // A read still blocked on the server is abandoned with its connection.
                await reader.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
                reader.Dispose();
            }
        }
    }

    private async Task EnsureGroupAsync(IDatabase database)
    {
        // After NOGROUP, start after the last entry this loop saw; the first time, where the attribute says.
        var recreating = !_lastSeenId.IsNull;
        var created = await StreamCommands.CreateGroupAsync(database, _stream, _handler.Group, _handler.Start, recreating ? _lastSeenId : RedisValue.Null).ConfigureAwait(false);
        if (created)
        {
            Log.GroupCreated(_logger, _handler.Stream, _handler.Group, _handler.Start);
        }
    }

    private async Task HandleBatchAsync(IDatabase database, StreamEntry[] entries, CancellationToken stopReading, CancellationToken abortHandlers)
    {
        if (_handler.Concurrency == 1)
        {
            // In stream order, one at a time. Entries not yet started when the host stops stay pending.
            foreach (var entry in entries)
            {
                if (stopReading.IsCancellationRequested)
                {
                    return;
                }

                await HandleEntryAsync(database, entry, abortHandlers).ConfigureAwait(false);
            }

            return;
        }

        using var slots = new SemaphoreSlim(_handler.Concurrency);
        var running = new List<Task>(entries.Length);
        foreach (var entry in entries)
        {
            try
            {
                await slots.WaitAsync(stopReading).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            running.Add(HandleAndReleaseAsync(entry));
        }

        await Task.WhenAll(running).ConfigureAwait(false);

        async Task HandleAndReleaseAsync(StreamEntry entry)
        {
            try
            {
                await HandleEntryAsync(database, entry, abortHandlers).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private async Task HandleEntryAsync(IDatabase database, StreamEntry entry, CancellationToken abortHandlers)
    {
        // Ensure the handler starts on the thread pool, away from the read loop.
        await Task.Yield();

        var context = new StreamMessageContext(_handler.Stream, _handler.Group, _consumer, entry, deliveryCount: 1);
        if (entry.Values is null)
        {
            // Pending entry whose data was trimmed or deleted: nothing to handle, nothing to keep.
            await StreamCommands.AckAsync(database, _stream, _handler.Group, entry.Id).ConfigureAwait(false);
            return;
        }

        // A scope per entry only when the handler takes something from it.
        AsyncServiceScope? scope = _handler.UsesServices ? _scopes.CreateAsyncScope() : null;
        try
        {
            await _handler.Invoker(new StreamInvocation(context, scope?.ServiceProvider ?? _services, _serializer, abortHandlers)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MessageBindingException or DeadLetterException)
        {
            await DeadLetterAsync(database, context, ex).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, _handler.HandlerName, _handler.Stream, context.Id, context.DeliveryCount, ex);
            return;
        }
        finally
        {
            if (scope is { } owned)
            {
                await owned.DisposeAsync().ConfigureAwait(false);
            }
        }

        await StreamCommands.AckAsync(database, _stream, _handler.Group, entry.Id).ConfigureAwait(false);
        Log.Handled(_logger, _handler.HandlerName, _handler.Stream, context.Id);
    }

    private async Task DeadLetterAsync(IDatabase database, StreamMessageContext context, Exception error)
    {
        var fields = new NameValueEntry[]
        {
            new(StreamFields.DeadLetterSourceStream, _handler.Stream),
            new(StreamFields.DeadLetterSourceId, context.Id),
            new(StreamFields.DeadLetterGroup, _handler.Group),
            new(StreamFields.DeadLetterConsumer, _consumer),
            new(StreamFields.DeadLetterAttempts, context.DeliveryCount),
            new(StreamFields.DeadLetterErrorType, error.GetType().FullName),
            new(StreamFields.DeadLetterError, error.Message),
            new(StreamFields.DeadLetterFailedAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        };
        await StreamCommands.DeadLetterAsync(database, _stream, _handler.Group, _deadLetterStream, context.Entry, fields).ConfigureAwait(false);
        Log.DeadLettered(_logger, _handler.Stream, context.Id, _handler.DeadLetterStream, context.DeliveryCount, error.Message);
    }
}
