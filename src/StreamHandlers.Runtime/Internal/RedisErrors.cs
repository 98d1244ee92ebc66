using System;
using System.IO;
using System.Net.Sockets;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>Classifies server errors by what a loop should do about them.</summary>
internal static class RedisErrors
{
    /// <summary>The server is unreachable or the connection broke: back off and try again.</summary>
    public static bool IsConnectionProblem(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or SocketException or IOException => true,
        ObjectDisposedException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        AggregateException { InnerException: { } inner } => IsConnectionProblem(inner),
        _ => false,
    };

    /// <summary>The consumer group or its stream no longer exists.</summary>
    public static bool IsNoGroup(Exception exception) =>
        exception is RedisServerException server && server.Message.StartsWith("NOGROUP", StringComparison.Ordinal);
}
