using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace StreamHandlers.Internal;

/// <summary>
/// Reads the health of every stream that has a handler at <see cref="StreamHandlersOptions.MetricsInterval"/>, for
/// the observable gauges and the health check: a scrape or a probe never waits on the server.
/// </summary>
internal sealed class StreamHealthCollector(HandlerCatalog catalog, IStreamMonitor monitor, IOptions<StreamHandlersOptions> options) : BackgroundService
{
    private static readonly ConcurrentDictionary<StreamHealthCollector, byte> Running = new();

    private readonly ConcurrentDictionary<string, StreamHealth> _latest = new(StringComparer.Ordinal);

    /// <summary>The (stream, group) pairs this host handles.</summary>
    public IReadOnlyList<(string Stream, string Group)> Handled { get; } = catalog.StreamHandlers
        .Where(h => options.Value.HandlerFilter?.Invoke(h) ?? true)
        .Select(h => (h.Stream, h.Group))
        .Distinct()
        .ToArray();

    /// <summary>Reads every handled stream now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var stream in Handled.Select(h => h.Stream).Distinct())
            {
                _latest[stream] = await monitor.GetHealthAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The gauges keep the last figures read; the loops report outages, and the next tick tries again.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Handled.Count == 0)
        {
            return;
        }

        Running.TryAdd(this, 0);
        try
        {
            using var timer = new PeriodicTimer(options.Value.MetricsInterval);
            do
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            Running.TryRemove(this, out _);
        }
    }

    /// <summary>A stream-level figure of every stream each running collector reads.</summary>
    internal static IEnumerable<Measurement<long>> MeasureStreams(Func<StreamHealth, long> value)
    {
        foreach (var collector in Running.Keys)
        {
            foreach (var health in collector._latest.Values)
            {
                yield return new Measurement<long>(value(health), new KeyValuePair<string, object?>("messaging.system", "redis"), new KeyValuePair<string, object?>("messaging.destination.name", health.Stream));
            }
        }
    }

    /// <summary>A per-group figure of the groups each running collector handles.</summary>
    internal static IEnumerable<Measurement<long>> Measure(Func<GroupHealth, long?> value)
    {
        foreach (var collector in Running.Keys)
        {
            foreach (var (stream, group) in collector.Handled)
            {
                if (collector._latest.TryGetValue(stream, out var health)
                    && health.Groups.FirstOrDefault(g => g.Name == group) is { } groupHealth
                    && value(groupHealth) is { } figure)
                {
                    yield return new Measurement<long>(
                        figure,
                        new KeyValuePair<string, object?>("messaging.system", "redis"),
                        new KeyValuePair<string, object?>("messaging.destination.name", stream),
                        new KeyValuePair<string, object?>("messaging.consumer.group.name", group));
                }
            }
        }
    }
}
