using System;

namespace StreamHandlers;

/// <summary>What a channel subscriber knows about the message it is handling.</summary>
public sealed class ChannelMessageContext
{
    /// <summary>Creates a context; StreamHandlers does this for every received message.</summary>
    /// <param name="channel">The channel the message was published to.</param>
    /// <param name="pattern">The pattern that matched, or <see langword="null"/> for a literal subscription.</param>
    public ChannelMessageContext(string channel, string? pattern = null)
    {
        Channel = channel ?? throw new ArgumentNullException(nameof(channel));
        Pattern = pattern;
    }

    /// <summary>The channel the message was published to.</summary>
    public string Channel { get; }

    /// <summary>The subscription pattern that matched the channel, or <see langword="null"/> unless it was a pattern subscription.</summary>
    public string? Pattern { get; }
}
