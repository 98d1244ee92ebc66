using System;

namespace StreamHandlers;

/// <summary>
/// Marks a method as a subscriber of a Redis or Valkey Pub/Sub channel.
/// </summary>
/// <remarks>
/// Pub/Sub is at-most-once, as the server defines it: a message published while no subscriber is connected is not
/// delivered. The subscription is restored after a reconnect without user code, and a handler exception is logged
/// without ending the subscription. The first parameter is the message: a <see cref="string"/>, or any other type
/// read as JSON. Then, in any order: a <see cref="ChannelMessageContext"/>, a
/// <see cref="System.Threading.CancellationToken"/>, and services resolved from the message's dependency-injection scope.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class ChannelSubscriberAttribute : Attribute
{
    /// <summary>Declares a subscriber of <paramref name="channel"/>.</summary>
    /// <param name="channel">The channel name, or a glob-style pattern when <see cref="Pattern"/> is set.</param>
    public ChannelSubscriberAttribute(string channel)
    {
        Channel = channel;
    }

    /// <summary>The channel name, or the pattern when <see cref="Pattern"/> is <see langword="true"/>.</summary>
    public string Channel { get; }

    /// <summary>Subscribes to every channel matching <see cref="Channel"/> as a glob-style pattern (PSUBSCRIBE).</summary>
    public bool Pattern { get; set; }

    /// <summary>Uses a sharded subscription (SSUBSCRIBE), for clusters on servers that support it.</summary>
    public bool Sharded { get; set; }

    /// <summary>
    /// How many messages of this subscriber are handled at once (default 1). With 1 the messages are handled in the
    /// order they were published.
    /// </summary>
    public int Concurrency { get; set; } = 1;
}
