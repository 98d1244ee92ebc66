using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>
/// Bounds streams by age: for every stream whose <see cref="StreamPolicy.MaxAge"/> is set, trims entries older than
/// that with <c>XTRIM key MINID ~ (now − MaxAge)</c>, at least every MaxAge/2 and at least once a minute, for the
/// life of the host. Entry ids begin with their creation time in milliseconds, which is what makes this work.
/// </summary>
internal sealed class StreamTrimmer(RedisConnections connections, IOptions<StreamHandlersOptions> options, ILoggerFactory loggerFactory) : BackgroundService
{
    private static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    private readonly ILogger _logger = loggerFactory.CreateLogger("StreamHandlers.Trimming");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policies = options.Value.Streams
            .Where(p => p.Value.MaxAge is not null)
            .Select(p => (Stream: (RedisKey)p.Key, Name: p.Key, MaxAge: p.Value.MaxAge!.Value))
            .ToArray();
        if (policies.Length == 0)
        {
            return;
        }

        var interval = TimeSpan.FromTicks(Math.Clamp(policies.Min(p => p.MaxAge.Ticks) / 2, MinInterval.Ticks, MaxInterval.Ticks));
        var failing = new HashSet<string>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(interval);
        do
        {
            IDatabase database;
            try
            {
                database = (await connections.GetSharedAsync(stoppingToken).ConfigureAwait(false)).GetDatabase();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                continue;
            }

            // Each stream on its own: one that cannot be trimmed (a key of another type) never holds up the others.
            foreach (var (stream, name, maxAge) in policies)
            {
                try
                {
                    var trimmed = await TrimAsync(database, stream, maxAge).ConfigureAwait(false);
                    if (trimmed > 0)
                    {
                        Log.Trimmed(_logger, name, trimmed, maxAge);
                    }

                    failing.Remove(name);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Logged once per stream until it works again.
                    if (failing.Add(name))
                    {
                        Log.TrimFailed(_logger, name, ex);
                    }
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    /// <summary><c>XTRIM key MINID ~ &lt;now − maxAge&gt;</c>; returns how many entries the server removed.</summary>
    internal static async Task<long> TrimAsync(IDatabaseAsync database, RedisKey stream, TimeSpan maxAge)
    {
        var minId = (DateTimeOffset.UtcNow - maxAge).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "-0";
        var result = await database.ExecuteAsync("XTRIM", new List<object> { stream, "MINID", "~", minId }).ConfigureAwait(false);
        return (long)result;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
