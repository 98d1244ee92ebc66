using System;

namespace StreamHandlers.Infrastructure;

/// <summary>
/// A message could not be bound to the handler's parameters (no <c>data</c> field, invalid JSON, a missing or
/// unparsable field). Such an entry can never succeed, so it is dead-lettered at once.
/// </summary>
public sealed class MessageBindingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be bound.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public MessageBindingException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
