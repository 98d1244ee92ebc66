using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace StreamHandlers.Testing;

/// <summary>Polls a condition until it holds or a bounded timeout passes.</summary>
public static class Wait
{
    /// <summary>How often the condition is polled.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Polls <paramref name="condition"/> every 20 ms until it returns true; throws a
    /// <see cref="TimeoutException"/> naming <paramref name="because"/> when <paramref name="timeout"/> passes first.
    /// An exception thrown by the condition propagates.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition().ConfigureAwait(false))
            {
                return;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0.###} s waiting until {because}.");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>The synchronous-condition overload of <see cref="UntilAsync(Func{Task{bool}}, TimeSpan, string)"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, because);
    }
}
