using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>
/// Acknowledges handled entries in batches without delaying any: one XACK is in flight at a time, and every id
/// that completes meanwhile goes into the next one. An id is added only after its handler completed, so batching
/// never acknowledges early; an XACK that fails (the server is away) is sent again.
/// </summary>
internal sealed class AckBatcher(Func<IDatabaseAsync> database, RedisKey stream, string group, Action<RedisValue[]> acknowledged)
{
    private const int MaxBatch = 1024;

    private readonly ConcurrentQueue<RedisValue> _queue = new();
    private int _flushing;
    private Task _flush = Task.CompletedTask;

    /// <summary>Ids waiting for their XACK.</summary>
    public int Waiting => _queue.Count;

    public void Add(RedisValue id)
    {
        _queue.Enqueue(id);
        StartFlush();
    }

    /// <summary>Sends what is waiting and returns when it is acknowledged, or when <paramref name="cancellationToken"/> ends the wait.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff();
        while (!_queue.IsEmpty || Volatile.Read(ref _flushing) == 1)
        {
            StartFlush();
            try
            {
                await _flush.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!_queue.IsEmpty)
            {
                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Sends ids left by a failed XACK again; called by the maintenance tick.</summary>
    public void Retry()
    {
        if (!_queue.IsEmpty)
        {
            StartFlush();
        }
    }

    private void StartFlush()
    {
        if (Interlocked.CompareExchange(ref _flushing, 1, 0) == 0)
        {
            _flush = FlushLoopAsync();
        }
    }

    private async Task FlushLoopAsync()
    {
        var batch = new List<RedisValue>(64);
        var failed = false;
        try
        {
            while (true)
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var id))
                {
                    batch.Add(id);
                }

                if (batch.Count == 0)
                {
                    return;
                }

                var ids = batch.ToArray();
                try
                {
                    await StreamCommands.AckAsync(database(), stream, group, ids).ConfigureAwait(false);
                    acknowledged(ids);
                }
                catch (Exception)
                {
                    // Kept for the next try: an entry is never forgotten, at worst handled again after a crash.
                    foreach (var id in ids)
                    {
                        _queue.Enqueue(id);
                    }

                    failed = true;
                    return;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _flushing, 0);

            // An id added between the last dequeue and the reset above would otherwise wait for the next Add.
            // After a failure the maintenance tick retries, so that an outage is not a hot loop.
            if (!failed && !_queue.IsEmpty)
            {
                StartFlush();
            }
        }
    }
}
