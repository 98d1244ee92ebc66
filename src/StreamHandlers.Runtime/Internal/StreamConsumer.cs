using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Infrastructure;

namespace StreamHandlers.Internal;

/// <summary>
/// The consume loop of one stream handler. A reader blocks on the server for new entries (on a connection of its
/// own) and, while a backlog lasts, keeps several plain reads in flight on the shared connection; workers handle
/// the entries, <see cref="StreamHandlerDescriptor.Concurrency"/> at a time; each entry is acknowledged only after
/// its handler completed. A maintenance tick retries failed entries after their backoff, keeps this consumer's
/// entries from being claimed while it lives, claims entries left by consumers that stopped, and removes idle
/// consumers.
/// </summary>
internal sealed class StreamConsumer
{
    /// <summary>
    /// Entries asked for by the plain reads in flight while a backlog lasts: with the default batch of 16 that is
    /// 16 reads at once, so that round trips overlap instead of the batch growing.
    /// </summary>
    private const int PipelinedEntries = 256;

    /// <summary>Ids per keep-alive or retry claim: one script call each.</summary>
    private const int ClaimBatch = 256;

    private readonly StreamHandlerDescriptor _handler;
    private readonly RedisConnections _connections;
    private readonly IServiceProvider _services;
    private readonly IServiceScopeFactory _scopes;
    private readonly MessageSerializer _serializer;
    private readonly string _consumer;
    private readonly TimeSpan _idleConsumerTimeout;
    private readonly ILogger _logger;
    private readonly RedisKey _stream;
    private readonly RedisKey _deadLetterStream;
    private readonly Channel<Delivery> _work;
    private int _freeSlots;
    private int _wantedSlots;
    private TaskCompletionSource? _slotsFreed;
    private readonly ConcurrentDictionary<StreamId, OwnedEntry> _owned = new();
    private readonly AckBatcher _acks;
    private readonly RateLimitedLog _failureReports = new(TimeSpan.FromSeconds(10));
    private readonly TagList _tags;
    private readonly RateLimitedLog _goneReports = new(TimeSpan.FromSeconds(10));
    private readonly long _keepAliveEvery;
    private readonly long _autoClaimEvery;
    private readonly long _housekeepingEvery;
    private readonly TimeSpan _tick;
    private readonly TimeSpan _idleTick;
    private readonly int _pipelinedReads;

    private IDatabase? _database;

    // CLIENT ID of the dedicated read connection (0 until known, or where the server refuses CLIENT ID).
    private long _readerId;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private RedisValue _lastSeenId = RedisValue.Null;
    private bool _groupReady;

    public StreamConsumer(StreamHandlerDescriptor handler, RedisConnections connections, IServiceProvider services, MessageSerializer serializer, StreamHandlersOptions options, ILogger logger)
    {
        _handler = handler;
        _connections = connections;
        _services = services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _serializer = serializer;
        _consumer = options.ConsumerName;
        _idleConsumerTimeout = options.IdleConsumerTimeout;
        _logger = logger;
        _stream = handler.Stream;
        _deadLetterStream = handler.DeadLetterStream;
        _tags = StreamHandlersMetrics.StreamTags(handler.Stream, handler.Group);
        _pipelinedReads = Math.Clamp(PipelinedEntries / handler.BatchSize, 2, 16);

        // The reader takes a slot per entry it reads, so that it never reads far ahead of the workers. Retries and
        // claimed entries bypass the slots: the maintenance tick must never wait on the workers, or keep-alive
        // would stall behind a slow handler.
        // Room for two rounds of reads: one being handled while the next is on its way.
        _freeSlots = Math.Max(handler.BatchSize * _pipelinedReads * 2, handler.Concurrency * 2);
        // Not SingleReader even with one worker: that channel cannot count what it holds, which claiming needs.
        _work = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions
        {
            SingleReader = false,
            SingleWriter = false,
        });
        _acks = new AckBatcher(() => _database!, _stream, handler.Group, ids =>
        {
            foreach (var id in ids)
            {
                _owned.TryRemove(StreamId.From(id), out _);
            }
        });

        // Keep-alive well inside ClaimIdleMs, so that a live consumer's entries are never idle long enough to be claimed.
        _keepAliveEvery = Ticks(TimeSpan.FromMilliseconds(Math.Max(handler.ClaimIdleMs / 3, 1)));
        _autoClaimEvery = Ticks(TimeSpan.FromMilliseconds(Math.Clamp(handler.ClaimIdleMs / 2, 50, 30_000)));
        _housekeepingEvery = Ticks(TimeSpan.FromTicks(Math.Clamp(_idleConsumerTimeout.Ticks / 2, TimeSpan.TicksPerSecond, 5 * TimeSpan.TicksPerMinute)));
        var tickMs = Math.Clamp(Math.Min(handler.RetryDelayMs / 4, handler.ClaimIdleMs / 4), 10, 250);
        _tick = TimeSpan.FromMilliseconds(tickMs);

        // Idle, the tick only has to notice new entries in time for their first keep-alive.
        _idleTick = TimeSpan.FromMilliseconds(Math.Clamp(handler.ClaimIdleMs / 4, 10, 1000));
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
            await EnsureGroupAsync(await DatabaseAsync(cancellationToken).ConfigureAwait(false)).WaitAsync(cancellationToken).ConfigureAwait(false);
            _groupReady = true;
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisErrors.IsConnectionProblem(ex))
        {
            // The loop retries with backoff and logs the outage once.
        }
    }

    /// <summary>
    /// Called by the host before it cancels reading: ends a blocked read on the server (<c>CLIENT UNBLOCK</c>) right
    /// away, written before the host's stop goes on, so that nothing added from then on is delivered to this consumer.
    /// </summary>
    public void BeginStop()
    {
        if (_database is { } database && Volatile.Read(ref _readerId) is > 0 and var id)
        {
            _ = StreamCommands.UnblockAsync(database, id).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Runs until <paramref name="stopReading"/> is cancelled, then returns once the handlers it started have
    /// finished and their entries are acknowledged; <paramref name="abortHandlers"/> is what those handlers see as
    /// their cancellation token.
    /// </summary>
    public async Task RunAsync(CancellationToken stopReading, CancellationToken abortHandlers)
    {
        // Never run the loop on the caller's thread: the host's start-up must not wait for the server.
        await Task.Yield();

        using var stopMaintenance = new CancellationTokenSource();
        var workers = Enumerable.Range(0, _handler.Concurrency).Select(_ => WorkAsync(stopReading, abortHandlers)).ToArray();
        var maintenance = MaintainAsync(stopMaintenance.Token);

        await ReadAsync(stopReading).ConfigureAwait(false);

        // Reading has stopped. Handlers in flight finish (the host cancels abortHandlers after ShutdownTimeout);
        // their entries stay alive meanwhile, and are acknowledged as they finish.
        _work.Writer.TryComplete();
        await Task.WhenAll(workers).ConfigureAwait(false);
        stopMaintenance.Cancel();
        await maintenance.ConfigureAwait(false);

        using var finalWrites = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _acks.FlushAsync(finalWrites.Token).ConfigureAwait(false);

        // What is still ours was not completed: not started, waiting for a retry, or cancelled by shutdown.
        await HandBackAsync([.. _owned.Values.Select(o => o.Id)]).ConfigureAwait(false);
    }

    private async Task ReadAsync(CancellationToken stopReading)
    {
        var backoff = new Backoff();

        // Start as if there were a backlog: plain reads on the shared connection find out at once, and the
        // dedicated connection for blocking reads is made only when the stream has been read to its end.
        var backlog = true;
        long? outageStarted = null;
        ConnectionMultiplexer? reader = null;
        try
        {
            while (!stopReading.IsCancellationRequested)
            {
                try
                {
                    var database = await DatabaseAsync(stopReading).ConfigureAwait(false);
                    if (!_groupReady)
                    {
                        await EnsureGroupAsync(database).ConfigureAwait(false);
                        _groupReady = true;
                    }

                    var wanted = backlog ? _handler.BatchSize * _pipelinedReads : _handler.BatchSize;
                    await TakeSlotsAsync(wanted, stopReading).ConfigureAwait(false);
                    StreamEntry[] entries;
                    try
                    {
                        if (backlog)
                        {
                            entries = await ReadPipelinedAsync(database).ConfigureAwait(false);
                        }
                        else
                        {
                            if (reader is null)
                            {
                                reader = await CreateReaderAsync(stopReading).ConfigureAwait(false);
                                _readerId = await StreamCommands.TryGetClientIdAsync(reader.GetDatabase()).ConfigureAwait(false) ?? 0;
                            }

                            var read = StreamCommands.ReadGroupBlockingAsync(reader.GetDatabase(), _stream, _handler.Group, _consumer, _handler.BatchSize, RedisConnections.BlockTimeout);
                            entries = await WaitForBlockingReadAsync(read, database, stopReading).ConfigureAwait(false);
                        }
                    }
                    catch
                    {
                        ReleaseSlots(wanted);
                        throw;
                    }

                    if (entries.Length < wanted)
                    {
                        ReleaseSlots(wanted - entries.Length);
                    }

                    Dispatch(entries);
                    backlog = entries.Length == wanted;

                    if (outageStarted is { } started)
                    {
                        Log.Recovered(_logger, _handler.HandlerName, Stopwatch.GetElapsedTime(started));
                        outageStarted = null;
                    }

                    backoff.Reset();
                }
                catch (OperationCanceledException) when (stopReading.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (RedisErrors.IsNoGroup(ex))
                {
                    // The stream or the group was deleted: nothing pending survives that, so forget it and recreate
                    // the group after the last entry seen, which skips nothing added since.
                    Log.GroupMissing(_logger, _handler.Stream, _handler.Group);
                    _groupReady = false;
                    backlog = false;
                    _owned.Clear();
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

                    backlog = false;
                    await backoff.DelayAsync(stopReading).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    var delay = backoff.Next;
                    Log.LoopError(_logger, _handler.HandlerName, delay, ex);
                    backlog = false;
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

    /// <summary>
    /// Connects the dedicated read connection. If the host stops meanwhile, the connection that is still being made
    /// is closed once it is there, instead of being left open.
    /// </summary>
    private async Task<ConnectionMultiplexer> CreateReaderAsync(CancellationToken stopReading)
    {
        var connecting = _connections.CreateDedicatedAsync($"{_handler.Stream}/{_handler.Group}");
        try
        {
            return await connecting.WaitAsync(stopReading).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = connecting.ContinueWith(
                static task =>
                {
                    if (task.IsCompletedSuccessfully)
                    {
                        task.Result.Dispose();
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>
    /// Waits for a blocking read. On stop the read is not just left behind: <c>CLIENT UNBLOCK</c> ends it on the
    /// server, so that an entry added from then on is not delivered to a consumer that no longer reads, and an entry
    /// delivered just before is kept to be handed back with the rest.
    /// </summary>
    private async Task<StreamEntry[]> WaitForBlockingReadAsync(Task<StreamEntry[]> read, IDatabase database, CancellationToken stopReading)
    {
        try
        {
            return await read.WaitAsync(stopReading).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopReading.IsCancellationRequested && Volatile.Read(ref _readerId) is > 0 and var id)
        {
            try
            {
                await StreamCommands.UnblockAsync(database, id).ConfigureAwait(false);
                foreach (var entry in await read.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
                {
                    _owned[StreamId.From(entry.Id)] = new OwnedEntry(entry.Id, 1);
                }
            }
            catch (Exception ex) when (ex is TimeoutException || RedisErrors.IsConnectionProblem(ex) || ex is RedisServerException)
            {
                // The read is abandoned with its connection; what it may still take is claimed after ClaimIdleMs.
            }

            throw;
        }
    }

    /// <summary>Several plain reads in flight at once on the shared connection; the server answers them in order.</summary>
    private async Task<StreamEntry[]> ReadPipelinedAsync(IDatabase database)
    {
        var reads = new Task<StreamEntry[]>[_pipelinedReads];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = StreamCommands.ReadGroupAsync(database, _stream, _handler.Group, _consumer, _handler.BatchSize);
        }

        var batches = await Task.WhenAll(reads).ConfigureAwait(false);
        return batches.Length == 1 ? batches[0] : [.. batches.SelectMany(b => b)];
    }

    /// <summary>Waits until <paramref name="count"/> entries fit in the queue, and takes their slots. Only the reader calls it.</summary>
    private async Task TakeSlotsAsync(int count, CancellationToken stopReading)
    {
        while (true)
        {
            if (Volatile.Read(ref _freeSlots) >= count)
            {
                Interlocked.Add(ref _freeSlots, -count);
                return;
            }

            var freed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _wantedSlots, count);
            Volatile.Write(ref _slotsFreed, freed);

            // Workers may have freed the slots between the check above and publishing the waiter.
            if (Volatile.Read(ref _freeSlots) < count)
            {
                await freed.Task.WaitAsync(stopReading).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gives slots back; wakes the reader once as many are free as it waits for.</summary>
    private void ReleaseSlots(int count)
    {
        var free = Interlocked.Add(ref _freeSlots, count);
        if (free >= Volatile.Read(ref _wantedSlots) && Volatile.Read(ref _slotsFreed) is not null)
        {
            Interlocked.Exchange(ref _slotsFreed, null)?.TrySetResult();
        }
    }

    private void Dispatch(StreamEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return;
        }

        _lastSeenId = entries[^1].Id;
        foreach (var entry in entries)
        {
            _owned[StreamId.From(entry.Id)] = new OwnedEntry(entry.Id, 1);
            _work.Writer.TryWrite(new Delivery(entry, 1, FromReader: true));
        }
    }

    private async Task WorkAsync(CancellationToken stopReading, CancellationToken abortHandlers)
    {
        await Task.Yield();
        var reader = _work.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var delivery))
            {
                if (delivery.FromReader)
                {
                    ReleaseSlots(1);
                }

                if (stopReading.IsCancellationRequested)
                {
                    // Reading stopped: only handlers already running get the shutdown timeout; the rest is handed back.
                    continue;
                }

                try
                {
                    await HandleAsync(delivery, abortHandlers).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // Only the server can fail here (an XACK or dead-letter write): the entry stays pending and is
                    // retried or claimed, and the worker goes on with the next one.
                    if (_owned.TryGetValue(StreamId.From(delivery.Entry.Id), out var owned))
                    {
                        owned.RetryAt = Stopwatch.GetTimestamp() + Ticks(TimeSpan.FromMilliseconds(_handler.RetryDelayMs));
                    }

                    if (!RedisErrors.IsConnectionProblem(ex))
                    {
                        Log.LoopError(_logger, _handler.HandlerName, TimeSpan.FromMilliseconds(_handler.RetryDelayMs), ex);
                    }
                }
            }
        }
    }

    private async Task HandleAsync(Delivery delivery, CancellationToken abortHandlers)
    {
        var entry = delivery.Entry;
        var database = _database!;
        if (entry.Values is null)
        {
            // A pending entry whose data was trimmed or deleted: nothing to handle, nothing to keep.
            await StreamCommands.AckAsync(database, _stream, _handler.Group, [entry.Id]).ConfigureAwait(false);
            _owned.TryRemove(StreamId.From(entry.Id), out _);
            if (_goneReports.ShouldLog(out var more))
            {
                Log.PendingEntryGone(_logger, _handler.Stream, _handler.Group, entry.Id.ToString(), more);
            }

            return;
        }

        var context = new StreamMessageContext(_handler.Stream, _handler.Group, _consumer, entry, delivery.DeliveryCount);
        var maxAttempts = 1L + _handler.MaxRetries;
        if (delivery.DeliveryCount > maxAttempts)
        {
            // Claimed from a consumer that stopped, with every attempt already spent (a crash each time, perhaps).
            await DeadLetterAsync(database, context, delivery.DeliveryCount - 1, "AttemptsExhausted",
                $"The entry was delivered {delivery.DeliveryCount - 1} time(s) without success, the most that MaxRetries = {_handler.MaxRetries} allows.").ConfigureAwait(false);
            return;
        }

        using var activity = StreamHandlersMetrics.StartProcess(_handler.Stream, _handler.Group, _consumer, entry, delivery.DeliveryCount);
        var started = Stopwatch.GetTimestamp();

        // A scope per entry only when the handler takes something from it.
        AsyncServiceScope? scope = _handler.UsesServices ? _scopes.CreateAsyncScope() : null;
        Exception? failure = null;
        try
        {
            await _handler.Invoker(new StreamInvocation(context, scope?.ServiceProvider ?? _services, _serializer, abortHandlers)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            if (scope is { } owned)
            {
                await owned.DisposeAsync().ConfigureAwait(false);
            }
        }

        var duration = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (failure is null)
        {
            StreamHandlersMetrics.ProcessDuration.Record(duration, _tags);
            StreamHandlersMetrics.Handled.Add(1, _tags);
            _acks.Add(entry.Id);
            return;
        }

        if (failure is OperationCanceledException && abortHandlers.IsCancellationRequested)
        {
            // Cancelled by shutdown: not a failed attempt; it stays pending for redelivery.
            return;
        }

        var failedTags = _tags;
        failedTags.Add("error.type", failure.GetType().FullName);
        StreamHandlersMetrics.ProcessDuration.Record(duration, failedTags);
        StreamHandlersMetrics.Failed.Add(1, failedTags);
        StreamHandlersMetrics.Fail(activity, failure);

        if (failure is MessageBindingException or DeadLetterException)
        {
            await DeadLetterAsync(database, context, delivery.DeliveryCount, failure).ConfigureAwait(false);
            return;
        }

        if (delivery.DeliveryCount >= maxAttempts)
        {
            await DeadLetterAsync(database, context, delivery.DeliveryCount, failure).ConfigureAwait(false);
            return;
        }

        // Retry after RetryDelayMs × 2^(retry − 1), counted by the server's delivery counter.
        var delay = TimeSpan.FromMilliseconds(_handler.RetryDelayMs * Math.Pow(2, delivery.DeliveryCount - 1));
        if (_owned.TryGetValue(StreamId.From(entry.Id), out var entryState))
        {
            entryState.Deliveries = delivery.DeliveryCount;
            entryState.RetryAt = Stopwatch.GetTimestamp() + Ticks(delay);
        }

        StreamHandlersMetrics.Retried.Add(1, _tags);
        Wake();
        if (_failureReports.ShouldLog(out var suppressed))
        {
            Log.HandlerFailed(_logger, _handler.HandlerName, _handler.Stream, context.Id, delivery.DeliveryCount, delay, suppressed, failure);
        }
    }

    /// <summary>The maintenance tick: retries that are due, keep-alive, claiming from stopped consumers, housekeeping.</summary>
    private async Task MaintainAsync(CancellationToken stop)
    {
        var now = Stopwatch.GetTimestamp();
        long nextKeepAlive = now + _keepAliveEvery, nextAutoClaim = now, nextHousekeeping = now + _housekeepingEvery;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // With nothing owned there is nothing to retry or keep alive: wake rarely, so idle handlers cost no CPU;
                // a failure that schedules a retry wakes the tick at once.
                if (_owned.IsEmpty)
                {
                    // A signal given before this wait is not lost: the semaphore keeps it.
                    await _wake.WaitAsync(_idleTick, stop).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(_tick, stop).ConfigureAwait(false);
                }

                if (_database is not { } database || !_groupReady)
                {
                    continue;
                }

                try
                {
                    now = Stopwatch.GetTimestamp();
                    _acks.Retry();
                    await RetryDueAsync(database, now).ConfigureAwait(false);

                    if (now >= nextKeepAlive)
                    {
                        nextKeepAlive = now + _keepAliveEvery;
                        await KeepAliveAsync(database).ConfigureAwait(false);
                    }

                    if (now >= nextAutoClaim)
                    {
                        nextAutoClaim = now + _autoClaimEvery;
                        await ClaimFromStoppedConsumersAsync(database, stop).ConfigureAwait(false);
                    }

                    if (now >= nextHousekeeping)
                    {
                        nextHousekeeping = now + _housekeepingEvery;
                        await RemoveIdleConsumersAsync(database).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (RedisErrors.IsConnectionProblem(ex) || RedisErrors.IsNoGroup(ex))
                {
                    // The read loop reports outages and recreates groups; the next tick tries again.
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.LoopError(_logger, _handler.HandlerName, _tick, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private async Task RetryDueAsync(IDatabase database, long now)
    {
        List<RedisValue>? due = null;
        foreach (var owned in _owned.Values)
        {
            if (owned.RetryAt != 0 && owned.RetryAt <= now)
            {
                (due ??= []).Add(owned.Id);
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var batch in due.Chunk(ClaimBatch))
        {
            var entries = await StreamCommands.ClaimForRetryAsync(database, _stream, _handler.Group, _consumer, batch).ConfigureAwait(false);
            var claimed = new HashSet<RedisValue>();
            foreach (var entry in entries)
            {
                if (entry.IsNull || !_owned.TryGetValue(StreamId.From(entry.Id), out var owned))
                {
                    continue;
                }

                claimed.Add(entry.Id);
                owned.RetryAt = 0;
                owned.Deliveries++;
                _work.Writer.TryWrite(new Delivery(entry, owned.Deliveries, FromReader: false));
            }

            // Not claimed: deleted or trimmed (the server drops those from the pending list), or claimed by another consumer.
            foreach (var id in batch)
            {
                if (!claimed.Contains(id))
                {
                    _owned.TryRemove(StreamId.From(id), out _);
                }
            }
        }
    }

    private async Task KeepAliveAsync(IDatabase database)
    {
        if (_owned.IsEmpty)
        {
            return;
        }

        foreach (var batch in _owned.Values.Select(o => o.Id).Chunk(ClaimBatch))
        {
            var stillOurs = await StreamCommands.KeepAliveAsync(database, _stream, _handler.Group, _consumer, batch).ConfigureAwait(false);
            if (stillOurs.Length == batch.Length)
            {
                continue;
            }

            var set = new HashSet<RedisValue>(stillOurs);
            foreach (var id in batch)
            {
                if (!set.Contains(id) && _owned.TryGetValue(StreamId.From(id), out var owned) && owned.RetryAt != 0)
                {
                    // Waiting for a retry but no longer ours: deleted, or claimed by another consumer.
                    _owned.TryRemove(StreamId.From(id), out _);
                }
            }
        }
    }

    private async Task ClaimFromStoppedConsumersAsync(IDatabase database, CancellationToken stop)
    {
        var cursor = (RedisValue)"0-0";
        var claimedTotal = 0;

        // Claim no more than the workers can start soon; the rest waits for a later tick, still claimable by others.
        var budget = _handler.BatchSize * _pipelinedReads - _work.Reader.Count;
        if (budget <= 0)
        {
            return;
        }

        do
        {
            var result = await StreamCommands.AutoClaimAsync(database, _stream, _handler.Group, _consumer, _handler.ClaimIdleMs, cursor, _handler.BatchSize).ConfigureAwait(false);
            cursor = result.NextStartId;

            if (result.DeletedIds is { Length: > 0 } deleted)
            {
                // The server has already dropped these from the pending list: their data was trimmed or deleted.
                if (_goneReports.ShouldLog(out var more))
                {
                    Log.PendingEntryGone(_logger, _handler.Stream, _handler.Group, string.Join(", ", deleted), more);
                }
            }

            var entries = result.ClaimedEntries.Where(e => !_owned.ContainsKey(StreamId.From(e.Id))).ToArray();
            if (entries.Length == 0)
            {
                continue;
            }

            // XAUTOCLAIM does not say how often an entry was delivered; XPENDING on the claimed range does.
            var pending = await StreamCommands.PendingAsync(database, _stream, _handler.Group, _consumer, entries[0].Id, entries[^1].Id, entries.Length + _owned.Count).ConfigureAwait(false);
            var deliveries = pending.ToDictionary(p => p.MessageId, p => (long)p.DeliveryCount);
            Log.Claimed(_logger, _handler.HandlerName, entries.Length, _handler.Stream, _handler.Group);
            StreamHandlersMetrics.Claimed.Add(entries.Length, _tags);
            foreach (var entry in entries)
            {
                var count = deliveries.TryGetValue(entry.Id, out var c) ? c : 2;
                _owned[StreamId.From(entry.Id)] = new OwnedEntry(entry.Id, count);
                _work.Writer.TryWrite(new Delivery(entry, count, FromReader: false));
            }

            claimedTotal += entries.Length;
        }
        while (cursor != "0-0" && claimedTotal < budget && !stop.IsCancellationRequested);
    }

    private async Task RemoveIdleConsumersAsync(IDatabase database)
    {
        var timeoutMs = (long)_idleConsumerTimeout.TotalMilliseconds;
        foreach (var consumer in await StreamCommands.ConsumersAsync(database, _stream, _handler.Group).ConfigureAwait(false))
        {
            if (consumer.Name == _consumer || consumer.PendingMessageCount > 0 || consumer.IdleTimeInMilliseconds < timeoutMs)
            {
                continue;
            }

            // Checked and deleted in one atomic step: a consumer with pending entries is never deleted.
            if (await StreamCommands.DeleteIdleConsumerAsync(database, _stream, _handler.Group, consumer.Name!).ConfigureAwait(false))
            {
                Log.ConsumerRemoved(_logger, consumer.Name!, _handler.Stream, _handler.Group, TimeSpan.FromMilliseconds(consumer.IdleTimeInMilliseconds));
            }
        }
    }

    /// <summary>Entries this consumer will not start are made claimable at once by the group's other consumers.</summary>
    private async Task HandBackAsync(List<RedisValue> ids)
    {
        if (ids.Count == 0 || _database is not { } database)
        {
            return;
        }

        try
        {
            foreach (var batch in ids.Chunk(ClaimBatch))
            {
                await StreamCommands.HandBackAsync(database, _stream, _handler.Group, _consumer, batch, _handler.ClaimIdleMs).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (RedisErrors.IsConnectionProblem(ex) || RedisErrors.IsNoGroup(ex))
        {
            // They stay pending and are claimed once idle for ClaimIdleMs.
        }
    }

    /// <summary>Wakes the maintenance tick (a retry was scheduled); at most one signal is kept.</summary>
    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken) =>
        _database ??= (await _connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    private async Task EnsureGroupAsync(IDatabase database)
    {
        RedisValue position;
        if (_lastSeenId.IsNull)
        {
            // The first time: where the attribute says.
            position = _handler.Start == StreamStart.Beginning ? "0" : "$";
        }
        else
        {
            // Recreating after NOGROUP. If the last entry seen is still there, only the group vanished: go on after it.
            // If not, the stream itself was deleted, and written again perhaps, with ids that may start afresh below
            // the last one seen: read it from its start, so that nothing added since is skipped.
            var stillThere = await database.StreamRangeAsync(_stream, _lastSeenId, _lastSeenId, 1).ConfigureAwait(false);
            position = stillThere.Length == 1 ? _lastSeenId : "0";
        }

        if (await StreamCommands.CreateGroupAsync(database, _stream, _handler.Group, position).ConfigureAwait(false))
        {
            Log.GroupCreated(_logger, _handler.Stream, _handler.Group, position == "$" ? "new entries ($)" : position == "0" ? "the beginning (0)" : $"after {position}");
        }

        if (_lastSeenId.IsNull)
        {
            // Where the group stands now, so that a group recreated after NOGROUP skips nothing added after it.
            foreach (var group in await database.StreamGroupInfoAsync(_stream).ConfigureAwait(false))
            {
                if (group.Name == _handler.Group && group.LastDeliveredId is { } last)
                {
                    _lastSeenId = last;
                }
            }
        }
    }

    private async Task DeadLetterAsync(IDatabase database, StreamMessageContext context, long attempts, Exception error) =>
        await DeadLetterAsync(database, context, attempts, error.GetType().FullName ?? error.GetType().Name, error.Message).ConfigureAwait(false);

    private async Task DeadLetterAsync(IDatabase database, StreamMessageContext context, long attempts, string errorType, string error)
    {
        var fields = new NameValueEntry[]
        {
            new(StreamFields.DeadLetterSourceStream, _handler.Stream),
            new(StreamFields.DeadLetterSourceId, context.Id),
            new(StreamFields.DeadLetterGroup, _handler.Group),
            new(StreamFields.DeadLetterConsumer, _consumer),
            new(StreamFields.DeadLetterAttempts, attempts),
            new(StreamFields.DeadLetterErrorType, errorType),
            new(StreamFields.DeadLetterError, error),
            new(StreamFields.DeadLetterFailedAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        };
        await StreamCommands.DeadLetterAsync(database, _stream, _handler.Group, _deadLetterStream, context.Entry, fields).ConfigureAwait(false);
        _owned.TryRemove(StreamId.From(context.Entry.Id), out _);
        StreamHandlersMetrics.DeadLettered.Add(1, _tags);
        Log.DeadLettered(_logger, _handler.Stream, context.Id, _handler.DeadLetterStream, attempts, error);
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private readonly record struct Delivery(StreamEntry Entry, long DeliveryCount, bool FromReader);

    /// <summary>An entry pending on this consumer: queued, running, or waiting for its retry (<see cref="RetryAt"/> ≠ 0).</summary>
    private sealed class OwnedEntry(RedisValue id, long deliveries)
    {
        public RedisValue Id { get; } = id;

        public long Deliveries { get; set; } = deliveries;

        public long RetryAt { get; set; }
    }
}
