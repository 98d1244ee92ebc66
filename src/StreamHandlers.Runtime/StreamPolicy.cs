using System;

namespace StreamHandlers;

/// <summary>How a stream is bounded on the producer side.</summary>
public sealed class StreamPolicy
{
    /// <summary>
    /// The stream key, in the list form of configuration (<see cref="StreamHandlersOptions.StreamPolicies"/>),
    /// where keys that contain ':' can be written; not needed in the dictionary form.
    /// </summary>
    public string? Stream { get; set; }

    /// <summary>
    /// The approximate maximum number of entries: every publish writes <c>XADD key MAXLEN ~ n</c>, so the server
    /// trims old entries in whole nodes and the length stays close to this value.
    /// </summary>
    public long? MaxLength { get; set; }

    /// <summary>
    /// The maximum age of entries: older ones are trimmed in the background with <c>XTRIM key MINID ~ id</c>.
    /// </summary>
    public TimeSpan? MaxAge { get; set; }
}
