namespace StreamHandlers.Internal;

/// <summary>The names of the stream entry fields that StreamHandlers reads and writes: the wire format.</summary>
internal static class StreamFields
{
    /// <summary>The payload of an entry: <c>XADD stream * data "..."</c>.</summary>
    public const string Data = "data";

    public const string DeadLetterSourceStream = "dlq:source-stream";
    public const string DeadLetterSourceId = "dlq:source-id";
    public const string DeadLetterGroup = "dlq:group";
    public const string DeadLetterConsumer = "dlq:consumer";
    public const string DeadLetterAttempts = "dlq:attempts";
    public const string DeadLetterErrorType = "dlq:error-type";
    public const string DeadLetterError = "dlq:error";
    public const string DeadLetterFailedAt = "dlq:failed-at";
}
