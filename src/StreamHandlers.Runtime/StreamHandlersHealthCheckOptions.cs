using System;

namespace StreamHandlers;

/// <summary>Thresholds of the StreamHandlers health check.</summary>
public sealed class StreamHandlersHealthCheckOptions
{
    /// <summary>A group that has more unread entries than this makes the check Degraded (default: no limit).</summary>
    public long? MaxLag { get; set; }

    /// <summary>A group that has more delivered, unacknowledged entries than this makes the check Degraded (default: no limit).</summary>
    public long? MaxPending { get; set; }

    /// <summary>How long the check waits for the server's answer to PING before it reports Unhealthy (default 2 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
}
