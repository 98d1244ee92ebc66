using System;
using Microsoft.Extensions.Logging;

namespace StreamHandlers.Internal;

/// <summary>
/// Every log line of StreamHandlers, with fixed event ids. One line per change of state, never one per message at
/// Information or above.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "StreamHandlers started {StreamHandlerCount} stream handler(s) and {SubscriberCount} channel subscriber(s) as consumer '{Consumer}'")]
    public static partial void Started(ILogger logger, int streamHandlerCount, int subscriberCount, string consumer);

    [LoggerMessage(2, LogLevel.Warning, "StreamHandlers found no handlers to run: declare methods with [StreamHandler] or [ChannelSubscriber] in a project that references StreamHandlers.Runtime")]
    public static partial void NoHandlers(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "StreamHandlers stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(10, LogLevel.Information, "Created consumer group '{Group}' on stream '{Stream}', reading from {Position}")]
    public static partial void GroupCreated(ILogger logger, string stream, string group, string position);

    [LoggerMessage(11, LogLevel.Warning, "Consumer group '{Group}' of stream '{Stream}' is gone (NOGROUP); creating it again")]
    public static partial void GroupMissing(ILogger logger, string stream, string group);

    [LoggerMessage(20, LogLevel.Warning, "Handler {Handler} lost its connection to the server; retrying with backoff until it is back")]
    public static partial void Outage(ILogger logger, string handler, Exception exception);

    [LoggerMessage(21, LogLevel.Information, "Handler {Handler} is connected to the server again after {Downtime}")]
    public static partial void Recovered(ILogger logger, string handler, TimeSpan downtime);

    [LoggerMessage(22, LogLevel.Error, "Handler {Handler} failed outside of a message; retrying in {Delay}")]
    public static partial void LoopError(ILogger logger, string handler, TimeSpan delay, Exception exception);

    [LoggerMessage(30, LogLevel.Warning, "Handler {Handler} failed on entry {Id} of stream '{Stream}' (attempt {Attempt}); retrying in {Delay} ({Suppressed} more failure(s) since the last report)")]
    public static partial void HandlerFailed(ILogger logger, string handler, string stream, string id, long attempt, TimeSpan delay, long suppressed, Exception exception);

    [LoggerMessage(31, LogLevel.Warning, "Entry {Id} of stream '{Stream}' was moved to dead-letter stream '{DeadLetterStream}' after {Attempts} attempt(s): {Reason}")]
    public static partial void DeadLettered(ILogger logger, string stream, string id, string deadLetterStream, long attempts, string reason);

    [LoggerMessage(32, LogLevel.Warning, "Handlers {Handler} did not finish within the shutdown timeout of {Timeout}; their cancellation tokens were cancelled, and stream entries not acknowledged stay pending for redelivery")]
    public static partial void ShutdownTimedOut(ILogger logger, string handler, TimeSpan timeout);

    [LoggerMessage(34, LogLevel.Warning, "Pending entries {Ids} of stream '{Stream}' (group '{Group}') no longer exist (trimmed or deleted) and were acknowledged ({Suppressed} more since the last report)")]
    public static partial void PendingEntryGone(ILogger logger, string stream, string group, string ids, long suppressed);

    [LoggerMessage(35, LogLevel.Information, "Handler {Handler} claimed {Count} entries of stream '{Stream}' (group '{Group}') left pending by a consumer that stopped")]
    public static partial void Claimed(ILogger logger, string handler, int count, string stream, string group);

    [LoggerMessage(36, LogLevel.Information, "Removed consumer '{Consumer}' of stream '{Stream}' (group '{Group}'): no pending entries and idle for {Idle}")]
    public static partial void ConsumerRemoved(ILogger logger, string consumer, string stream, string group, TimeSpan idle);


    [LoggerMessage(40, LogLevel.Information, "Subscribed {Handler} to {Kind} '{Channel}'")]
    public static partial void Subscribed(ILogger logger, string handler, string kind, string channel);

    [LoggerMessage(41, LogLevel.Error, "Subscriber {Handler} failed on a message of channel '{Channel}' ({Suppressed} more failure(s) since the last report); the subscription goes on")]
    public static partial void SubscriberFailed(ILogger logger, string handler, string channel, long suppressed, Exception exception);

    [LoggerMessage(43, LogLevel.Warning, "Subscriber {Handler} dropped messages of '{Channel}' because its queue of {Capacity} was full ({Dropped} dropped so far); the handler is slower than the publishers")]
    public static partial void SubscriberDropped(ILogger logger, string handler, string channel, int capacity, long dropped);

    [LoggerMessage(44, LogLevel.Warning, "Lost the {ConnectionType} connection to {EndPoint} ({FailureType}); reconnecting, subscriptions are restored when it is back")]
    public static partial void ConnectionLost(ILogger logger, string connectionType, string endPoint, string failureType);

    [LoggerMessage(45, LogLevel.Information, "Restored the {ConnectionType} connection to {EndPoint}")]
    public static partial void ConnectionRestored(ILogger logger, string connectionType, string endPoint);

    [LoggerMessage(50, LogLevel.Debug, "Trimmed {Count} entries older than {MaxAge} from stream '{Stream}'")]
    public static partial void Trimmed(ILogger logger, string stream, long count, TimeSpan maxAge);

    [LoggerMessage(51, LogLevel.Warning, "Trimming stream '{Stream}' by age failed; retrying at the next interval")]
    public static partial void TrimFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(42, LogLevel.Warning, "Could not subscribe {Handler} to '{Channel}'; retrying in {Delay}")]
    public static partial void SubscribeFailed(ILogger logger, string handler, string channel, TimeSpan delay, Exception exception);
}
