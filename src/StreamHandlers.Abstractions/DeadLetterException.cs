using System;

namespace StreamHandlers;

/// <summary>
/// Thrown by a stream handler to move the entry to the dead-letter stream at once, without further retries,
/// for an entry that can never succeed (for example, one that fails validation).
/// </summary>
public class DeadLetterException : Exception
{
    /// <summary>Creates the exception with a default reason.</summary>
    public DeadLetterException()
        : base("The handler dead-lettered the entry.")
    {
    }

    /// <summary>Creates the exception with the reason written to the entry's <c>dlq:error</c> field.</summary>
    /// <param name="message">Why the entry cannot be handled.</param>
    public DeadLetterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the exception that caused it.</summary>
    /// <param name="message">Why the entry cannot be handled.</param>
    /// <param name="innerException">The exception that caused it.</param>
    public DeadLetterException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
