using System;
using System.Threading;
using System.Threading.Tasks;

namespace StreamHandlers.Internal;

/// <summary>Exponential backoff with jitter for loops waiting on the server: 100 ms doubling up to 5 s.</summary>
internal sealed class Backoff
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Maximum = TimeSpan.FromSeconds(5);

    private TimeSpan _next = Initial;

    public TimeSpan Next
    {
        get
        {
            // Jitter keeps many loops from retrying in lockstep after one outage.
            var jittered = _next * (0.8 + (Random.Shared.NextDouble() * 0.4));
            _next = _next * 2 > Maximum ? Maximum : _next * 2;
            return jittered;
        }
    }

    public void Reset() => _next = Initial;

    public Task DelayAsync(CancellationToken cancellationToken) => DelayAsync(Next, cancellationToken);

    public static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the caller's loop checks the token.
        }
    }
}
