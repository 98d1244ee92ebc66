namespace StreamHandlers.Generator;

/// <summary>Names of the pipeline steps, so that tests can check what stays cached between edits.</summary>
internal static class TrackingNames
{
    public const string StreamHandlers = nameof(StreamHandlers);
    public const string ChannelSubscribers = nameof(ChannelSubscribers);
    public const string Handlers = nameof(Handlers);
    public const string Diagnostics = nameof(Diagnostics);
    public const string HandlerKeys = nameof(HandlerKeys);
    public const string AllHandlers = nameof(AllHandlers);
}
