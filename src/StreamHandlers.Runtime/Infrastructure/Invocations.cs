using System;
using System.ComponentModel;
using System.Text.Json;
using System.Threading;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Internal;

namespace StreamHandlers.Infrastructure;

/// <summary>One delivery of a stream entry to a generated invoker. Plumbing for generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct StreamInvocation
{
    private readonly MessageSerializer _serializer;

    internal StreamInvocation(StreamMessageContext context, IServiceProvider services, MessageSerializer serializer, CancellationToken cancellationToken)
    {
        Context = context;
        Services = services;
        _serializer = serializer;
        CancellationToken = cancellationToken;
    }

    /// <summary>The entry and where it came from.</summary>
    public StreamMessageContext Context { get; }

    /// <summary>The message's dependency-injection scope.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Cancelled when the host's shutdown timeout has run out.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The entry's <c>data</c> field as text.</summary>
    /// <exception cref="MessageBindingException">The entry has no <c>data</c> field.</exception>
    public string ReadData() => (string)Data()!;

    /// <summary>The entry's <c>data</c> field read as JSON.</summary>
    /// <exception cref="MessageBindingException">No <c>data</c> field, invalid JSON, or the JSON literal null.</exception>
    public T ReadJson<T>() => _serializer.Deserialize<T>(Data(), "the entry's 'data' field") ?? throw MessageSerializer.NullMessage<T>("the entry's 'data' field");

    /// <summary>The entry's <c>data</c> field read as JSON, where the JSON literal null is allowed.</summary>
    /// <exception cref="MessageBindingException">No <c>data</c> field, or invalid JSON.</exception>
    public T? ReadJsonOrNull<T>() => _serializer.Deserialize<T>(Data(), "the entry's 'data' field");

    /// <summary>The entry read field by field into a <c>[StreamFields]</c> type, by its generated mapper.</summary>
    /// <exception cref="MessageBindingException">A non-nullable field is missing, or a value cannot be parsed.</exception>
    public T ReadFields<T>() =>
        (StreamFieldsMappers<T>.Mapper ?? throw new MessageBindingException($"No field mapping is registered for {typeof(T).Name}; mark it [StreamFields]."))
        .FromFields(Context.Entry);

    /// <summary>A service from the message's scope.</summary>
    public T GetRequiredService<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A service from the message's scope, or <see langword="null"/> when none is registered.</summary>
    public T? GetService<T>() => Services.GetService<T>();

    private RedisValue Data()
    {
        foreach (var field in Context.Entry.Values)
        {
            if (field.Name == StreamFields.Data)
            {
                return field.Value;
            }
        }

        throw new MessageBindingException($"Entry {Context.Id} of stream '{Context.Stream}' has no '{StreamFields.Data}' field.");
    }
}

/// <summary>One received Pub/Sub message handed to a generated invoker. Plumbing for generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ChannelInvocation
{
    private readonly MessageSerializer _serializer;
    private readonly RedisValue _message;

    internal ChannelInvocation(ChannelMessageContext context, RedisValue message, IServiceProvider services, MessageSerializer serializer, CancellationToken cancellationToken)
    {
        Context = context;
        _message = message;
        Services = services;
        _serializer = serializer;
        CancellationToken = cancellationToken;
    }

    /// <summary>The channel and the pattern that matched.</summary>
    public ChannelMessageContext Context { get; }

    /// <summary>The message's dependency-injection scope.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Cancelled when the host's shutdown timeout has run out.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The message as text.</summary>
    public string ReadString() => (string?)_message ?? string.Empty;

    /// <summary>The message read as JSON.</summary>
    /// <exception cref="MessageBindingException">Invalid JSON, or the JSON literal null.</exception>
    public T ReadJson<T>() => _serializer.Deserialize<T>(_message, "the message") ?? throw MessageSerializer.NullMessage<T>("the message");

    /// <summary>The message read as JSON, where the JSON literal null is allowed.</summary>
    /// <exception cref="MessageBindingException">Invalid JSON.</exception>
    public T? ReadJsonOrNull<T>() => _serializer.Deserialize<T>(_message, "the message");

    /// <summary>A service from the message's scope.</summary>
    public T GetRequiredService<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A service from the message's scope, or <see langword="null"/> when none is registered.</summary>
    public T? GetService<T>() => Services.GetService<T>();
}
