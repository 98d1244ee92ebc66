namespace StreamHandlers;

/// <summary>Where a consumer group that StreamHandlers creates starts reading its stream.</summary>
public enum StreamStart
{
    /// <summary>Only entries added after the group was created (<c>XGROUP CREATE … $</c>).</summary>
    NewEntries = 0,

    /// <summary>Every entry the stream holds, from its first (<c>XGROUP CREATE … 0</c>).</summary>
    Beginning = 1,
}
