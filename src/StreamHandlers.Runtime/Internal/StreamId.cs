using System;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>
/// A stream entry id (<c>ms-seq</c>) as two numbers: a cheap key for the entries a consumer owns, where hashing
/// and comparing the id's bytes on every entry would cost more than handling it.
/// </summary>
internal readonly record struct StreamId(long Milliseconds, long Sequence)
{
    public static StreamId From(RedisValue id)
    {
        var bytes = ((ReadOnlyMemory<byte>)id).Span;
        long milliseconds = 0, sequence = 0;
        var i = 0;
        for (; i < bytes.Length && bytes[i] != (byte)'-'; i++)
        {
            milliseconds = (milliseconds * 10) + (bytes[i] - '0');
        }

        for (i++; i < bytes.Length; i++)
        {
            sequence = (sequence * 10) + (bytes[i] - '0');
        }

        return new StreamId(milliseconds, sequence);
    }

    public override string ToString() => $"{Milliseconds}-{Sequence}";
}
