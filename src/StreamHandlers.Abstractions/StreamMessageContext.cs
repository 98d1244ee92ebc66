using System;
using StackExchange.Redis;

namespace StreamHandlers;

/// <summary>What a stream handler knows about the entry it is handling.</summary>
public sealed class StreamMessageContext
{
    private string? _id;

    /// <summary>Creates a context; StreamHandlers does this for every delivered entry.</summary>
    /// <param name="stream">The stream key.</param>
    /// <param name="group">The consumer group.</param>
    /// <param name="consumer">The consumer that read the entry.</param>
    /// <param name="entry">The raw entry.</param>
    /// <param name="deliveryCount">How many times the server has delivered the entry, 1 on first delivery.</param>
    public StreamMessageContext(string stream, string group, string consumer, StreamEntry entry, long deliveryCount)
    {
        Stream = stream ?? throw new ArgumentNullException(nameof(stream));
        Group = group ?? throw new ArgumentNullException(nameof(group));
        Consumer = consumer ?? throw new ArgumentNullException(nameof(consumer));
        Entry = entry;
        DeliveryCount = deliveryCount;
    }

    /// <summary>The stream key.</summary>
    public string Stream { get; }

    /// <summary>The consumer group the entry was read through.</summary>
    public string Group { get; }

    /// <summary>The name of the consumer that read the entry.</summary>
    public string Consumer { get; }

    /// <summary>The entry id, for example <c>"1718000000000-0"</c>.</summary>
    public string Id => _id ??= Entry.Id.ToString();

    /// <summary>
    /// How many times the server has delivered this entry to the group, 1 on the first delivery. It counts every
    /// delivery, to any consumer of the group, and survives restarts.
    /// </summary>
    public long DeliveryCount { get; }

    /// <summary>The raw entry, with all its fields.</summary>
    public StreamEntry Entry { get; }
}
