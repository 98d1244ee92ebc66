using System;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StackExchange.Redis;
using StreamHandlers.Infrastructure;

namespace StreamHandlers.Internal;

/// <summary>Turns messages into field values and back: strings as they are, everything else as JSON.</summary>
internal sealed class MessageSerializer(JsonSerializerOptions options)
{
    /// <summary>
    /// The application's options, with the reflection-based resolver added only when they name none, so that
    /// contracts can be asked for by type; a copy, so that the application's instance is never changed.
    /// </summary>
    public JsonSerializerOptions Options { get; } = options.TypeInfoResolver is null
        ? new JsonSerializerOptions(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() }
        : options;

    /// <summary>The entry fields of a message: one per property of a <c>[StreamFields]</c> type, else <c>data</c>.</summary>
    public NameValueEntry[] ToFields<T>(T message)
    {
        if (message is null)
        {
            throw new ArgumentNullException(nameof(message), $"A null {typeof(T).Name} cannot be published: a stream entry needs a value.");
        }

        if (StreamFieldsMappers<T>.Mapper is { } mapper)
        {
            ArgumentNullException.ThrowIfNull(message);
            return mapper.ToFields(message);
        }

        return [new NameValueEntry(StreamFields.Data, Serialize(message))];
    }

    public RedisValue Serialize<T>(T message)
    {
        // typeof(T) tests are folded by the JIT for each instantiation: no reflection at run time.
        if (typeof(T) == typeof(string))
        {
            return (string?)(object?)message;
        }

        if (typeof(T) == typeof(byte[]))
        {
            return (byte[]?)(object?)message;
        }

        if (typeof(T) == typeof(RedisValue))
        {
            return (RedisValue)(object)message!;
        }

        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(message, TypeInfo<T>());
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new ArgumentException($"The message of type {typeof(T).Name} cannot be written as JSON: {ex.Message}", nameof(message), ex);
        }
    }

    public T? Deserialize<T>(RedisValue value, string what)
    {
        if (value.IsNull)
        {
            throw new MessageBindingException($"{Capitalize(what)} is missing.");
        }

        try
        {
            return JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)value).Span, TypeInfo<T>());
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new MessageBindingException($"{Capitalize(what)} is not valid JSON for {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The type's JSON contract from the options' resolver: a <c>JsonSerializerContext</c> when the application
    /// gave one (no reflection, trimming and native AOT safe), else the default reflection-based resolver.
    /// </summary>
    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    public static MessageBindingException NullMessage<T>(string what) =>
        new($"{Capitalize(what)} is the JSON literal null, but the handler takes a non-nullable {typeof(T).Name}.");

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
