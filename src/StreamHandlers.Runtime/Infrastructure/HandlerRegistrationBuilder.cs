using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace StreamHandlers.Infrastructure;

/// <summary>Collects the handlers and handler types that generated code registers. Plumbing for generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class HandlerRegistrationBuilder
{
    private readonly IServiceCollection _services;
    private readonly List<StreamHandlerDescriptor> _streamHandlers = [];
    private readonly List<ChannelSubscriberDescriptor> _channelSubscribers = [];

    internal HandlerRegistrationBuilder(IServiceCollection services)
    {
        _services = services;
    }

    internal IReadOnlyList<StreamHandlerDescriptor> StreamHandlers => _streamHandlers;

    internal IReadOnlyList<ChannelSubscriberDescriptor> ChannelSubscribers => _channelSubscribers;

    /// <summary>Registers <typeparamref name="T"/> as a scoped service unless the application registered it already.</summary>
    /// <typeparam name="T">A type that declares instance handlers.</typeparam>
    public void AddHandlerType<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class
        => _services.TryAddScoped<T>();

    /// <summary>Adds a stream handler.</summary>
    /// <param name="descriptor">The handler.</param>
    public void Add(StreamHandlerDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _streamHandlers.Add(descriptor);
    }

    /// <summary>Adds a channel subscriber.</summary>
    /// <param name="descriptor">The subscriber.</param>
    public void Add(ChannelSubscriberDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _channelSubscribers.Add(descriptor);
    }
}
