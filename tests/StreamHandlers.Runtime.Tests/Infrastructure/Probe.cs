using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;

namespace StreamHandlers.Runtime.Tests.Infrastructure;

/// <summary>
/// What handlers saw, recorded in order. A test waits on it for a condition with a bounded timeout; every
/// <see cref="Add"/> wakes the waiters, so nothing polls and nothing sleeps.
/// </summary>
/// <typeparam name="T">One observation.</typeparam>
public sealed class Probe<T>
{
    /// <summary>How long a wait lasts unless the test says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>How many observations so far.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Records an observation and wakes the waiters.</summary>
    public void Add(T item)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _items.Add(item);
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    /// <summary>The observations so far, in the order they were recorded.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the observations, or fails naming <paramref name="because"/>.</summary>
    public async Task<IReadOnlyList<T>> WaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, string because, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            IReadOnlyList<T> snapshot;
            Task changed;
            lock (_gate)
            {
                snapshot = [.. _items];
                changed = _changed.Task;
            }

            if (condition(snapshot))
            {
                return snapshot;
            }

            var remaining = limit - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting until {because} (observed {snapshot.Count}: {Describe(snapshot)}).");
            }

            try
            {
                await changed.WaitAsync(remaining).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Checked once more above, then reported with what was seen.
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> observations were recorded.</summary>
    public Task<IReadOnlyList<T>> WaitForCountAsync(int count, string because, TimeSpan? timeout = null) =>
        WaitUntilAsync(items => items.Count >= count, because, timeout);

    /// <summary>Waits until an observation matches <paramref name="match"/> and returns it.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match, string because, TimeSpan? timeout = null)
    {
        var items = await WaitUntilAsync(items => FindIndex(items, match) >= 0, because, timeout).ConfigureAwait(false);
        return items[FindIndex(items, match)];
    }

    private static int FindIndex(IReadOnlyList<T> items, Func<T, bool> match)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (match(items[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Describe(IReadOnlyList<T> items)
    {
        const int shown = 5;
        var text = string.Join("; ", items.Count <= shown ? items : items.Skip(items.Count - shown));
        return items.Count <= shown ? text : "…; " + text;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
