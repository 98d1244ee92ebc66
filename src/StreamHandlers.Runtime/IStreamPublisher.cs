using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace StreamHandlers;

/// <summary>Adds entries to streams, applying each stream's <see cref="StreamPolicy"/>.</summary>
public interface IStreamPublisher
{
    /// <summary>
    /// Adds <paramref name="message"/> to <paramref name="stream"/> in its <c>data</c> field: a string as it is, any
    /// other type as JSON (<c>XADD stream [MAXLEN ~ n] * data …</c>).
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="stream">The stream key.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for the server's reply.</param>
    /// <returns>The id the server gave the entry.</returns>
    Task<string> PublishAsync<T>(string stream, T message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds many messages to <paramref name="stream"/> in one round trip (pipelined <c>XADD</c>s), in order, each as
    /// <see cref="PublishAsync{T}"/> would. Every message is serialised before anything is sent, so a message that
    /// cannot be written throws here and none is written.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="stream">The stream key.</param>
    /// <param name="messages">The messages, in the order they are to be added.</param>
    /// <param name="cancellationToken">Cancels the wait for the server's replies.</param>
    /// <returns>The ids the server gave the entries, in the order of <paramref name="messages"/>.</returns>
    Task<IReadOnlyList<string>> PublishBatchAsync<T>(string stream, IEnumerable<T> messages, CancellationToken cancellationToken = default);
}

/// <summary>Publishes Pub/Sub messages.</summary>
public interface IChannelPublisher
{
    /// <summary>Publishes <paramref name="message"/> to <paramref name="channel"/>: a string as it is, any other type as JSON.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="channel">The channel name (never read as a pattern).</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for the server's reply.</param>
    /// <returns>How many subscribers received the message, as the server counts them.</returns>
    Task<long> PublishAsync<T>(string channel, T message, CancellationToken cancellationToken = default);
}
