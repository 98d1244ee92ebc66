using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary><see cref="IStreamMonitor"/> over the shared connection: XLEN and XINFO GROUPS, sent together.</summary>
internal sealed class StreamMonitor(RedisConnections connections) : IStreamMonitor
{
    public async Task<StreamHealth> GetHealthAsync(string stream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        var database = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
        var length = database.StreamLengthAsync(stream);
        var groups = database.StreamGroupInfoAsync(stream);
        try
        {
            await Task.WhenAll(length, groups).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            // XINFO on a stream that does not exist: nothing to report.
            return new StreamHealth(stream, 0, []);
        }

        var infos = groups.Result;
        var health = new GroupHealth[infos.Length];
        for (var i = 0; i < infos.Length; i++)
        {
            var info = infos[i];
            health[i] = new GroupHealth(info.Name, info.ConsumerCount, info.PendingMessageCount, info.Lag, info.LastDeliveredId ?? "0-0");
        }

        return new StreamHealth(stream, length.Result, health);
    }
}
