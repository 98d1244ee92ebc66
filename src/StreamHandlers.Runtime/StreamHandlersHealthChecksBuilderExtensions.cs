using System;
using System.Collections.Generic;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamHandlers;
using StreamHandlers.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the StreamHandlers health check.</summary>
public static class StreamHandlersHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that is Unhealthy (or <paramref name="failureStatus"/>) while the server does not answer, and
    /// Degraded while a group that this host handles lags or holds pending entries beyond the thresholds set in
    /// <paramref name="configure"/>. Requires <c>AddStreamHandlers</c>.
    /// </summary>
    /// <param name="builder">The health checks builder, from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="configure">Sets the thresholds; may be <see langword="null"/>.</param>
    /// <param name="name">The check's name (default <c>"streamhandlers"</c>).</param>
    /// <param name="failureStatus">The status when the server does not answer (default Unhealthy).</param>
    /// <param name="tags">Tags of the check, to filter on.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddStreamHandlers(
        this IHealthChecksBuilder builder,
        Action<StreamHandlersHealthCheckOptions>? configure = null,
        string name = "streamhandlers",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new StreamHandlersHealthCheckOptions();
        configure?.Invoke(options);
        if (options.MaxLag is < 0 || options.MaxPending is < 0 || options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), "StreamHandlersHealthCheckOptions: MaxLag and MaxPending must not be negative, and Timeout must be positive.");
        }

        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new StreamHandlersHealthCheck(
                sp.GetRequiredService<RedisConnections>(),
                sp.GetRequiredService<StreamHealthCollector>(),
                sp.GetRequiredService<IStreamMonitor>(),
                options),
            failureStatus,
            tags));
    }
}
