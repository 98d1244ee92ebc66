using System.Collections.Generic;
using StreamHandlers.Infrastructure;

namespace StreamHandlers.Internal;

/// <summary>The handlers that generated code registered in this application.</summary>
internal sealed class HandlerCatalog(IReadOnlyList<StreamHandlerDescriptor> streamHandlers, IReadOnlyList<ChannelSubscriberDescriptor> channelSubscribers)
{
    public IReadOnlyList<StreamHandlerDescriptor> StreamHandlers { get; } = streamHandlers;

    public IReadOnlyList<ChannelSubscriberDescriptor> ChannelSubscribers { get; } = channelSubscribers;
}
