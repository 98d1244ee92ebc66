using System;
using System.Diagnostics;
using System.Threading;

namespace StreamHandlers.Internal;

/// <summary>
/// Lets a repeated event through to the log at most once per interval, and says how many were held back in
/// between, so that a flood of bad messages cannot flood the log.
/// </summary>
internal sealed class RateLimitedLog(TimeSpan interval)
{
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private long _nextAllowed;
    private long _suppressed;

    /// <summary>
    /// Counts an event; returns <see langword="true"/> when it should be logged now, with how many events were
    /// held back since the last one that was.
    /// </summary>
    public bool ShouldLog(out long suppressed)
    {
        var now = Stopwatch.GetTimestamp();
        var next = Interlocked.Read(ref _nextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + _intervalTicks, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
