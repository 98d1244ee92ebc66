using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace StreamHandlers.Internal;

/// <summary>
/// Unhealthy while the server does not answer; Degraded while a handled group's lag or pending count is over the
/// thresholds; Healthy otherwise. Figures come fresh from the server, one round trip per handled stream.
/// </summary>
internal sealed class StreamHandlersHealthCheck(RedisConnections connections, StreamHealthCollector collector, IStreamMonitor monitor, StreamHandlersHealthCheckOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        var data = new Dictionary<string, object>();
        try
        {
            // The first connection attempt does not observe the token itself: bound the wait here.
            var connection = await connections.GetSharedAsync(timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(timeout.Token).ConfigureAwait(false);
            data["ping.ms"] = latency.TotalMilliseconds;

            var problems = new List<string>();
            foreach (var stream in collector.Handled.Select(h => h.Stream).Distinct())
            {
                var health = await monitor.GetHealthAsync(stream, timeout.Token).ConfigureAwait(false);
                foreach (var (_, group) in collector.Handled.Where(h => h.Stream == stream))
                {
                    var groupHealth = health.Groups.FirstOrDefault(g => g.Name == group);
                    var pending = groupHealth?.Pending ?? 0;
                    var lag = groupHealth?.Lag;
                    data[$"{stream}/{group}.pending"] = pending;
                    data[$"{stream}/{group}.lag"] = lag ?? -1;
                    if (options.MaxPending is { } maxPending && pending > maxPending)
                    {
                        problems.Add($"group '{group}' of '{stream}' has {pending} pending entries (more than {maxPending})");
                    }

                    if (options.MaxLag is { } maxLag && lag > maxLag)
                    {
                        problems.Add($"group '{group}' of '{stream}' lags {lag} entries behind (more than {maxLag})");
                    }
                }
            }

            return problems.Count == 0
                ? HealthCheckResult.Healthy("The server answers and every handled group is within its thresholds.", data)
                : HealthCheckResult.Degraded(string.Join("; ", problems), data: data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The server does not answer: {ex.Message}", ex, data);
        }
    }
}
