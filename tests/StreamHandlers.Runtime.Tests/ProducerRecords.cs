using System;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamHandlers.Runtime.Tests;

/// <summary>A plain JSON message of the producer tests.</summary>
public sealed record ProducerRecord(int Seq, string Name)
{
    /// <summary>The JSON the publisher must write for it with the default (web) options: camelCase, in declaration order.</summary>
    public static string ExpectedJson(ProducerRecord r) => $$"""{"seq":{{r.Seq.ToString(CultureInfo.InvariantCulture)}},"name":"{{r.Name}}"}""";
}

/// <summary>A linked node: a node that points at itself is a cycle, which System.Text.Json refuses to write.</summary>
public sealed class ProducerNode
{
    public string Name { get; set; } = string.Empty;

    public ProducerNode? Next { get; set; }
}

/// <summary>A message whose <see cref="Secret"/> getter throws <see cref="InvalidOperationException"/> when <see cref="Name"/> is "bad".</summary>
public sealed record ProducerExploding(string Name)
{
    public string Secret => Name == "bad" ? throw new InvalidOperationException("the secret of 'bad' is sealed") : Name;
}

/// <summary>A message whose getter throws an exception of the application's own type.</summary>
public sealed record ProducerOwnFailure(string Name)
{
    public string Secret => throw new ProducerGetterException("the getter refuses");
}

public sealed class ProducerGetterException(string message) : Exception(message);

/// <summary>A message with a property type System.Text.Json does not support (System.Type).</summary>
public sealed record ProducerWithType(string Name, Type Kind);

public enum ProducerJsonStatus
{
    Placed,
    Shipped,
}

/// <summary>The message of the source-generated JSON context test.</summary>
public sealed record ProducerJsonOrder(string OrderId, string CustomerName, decimal Amount, int Quantity, DateTimeOffset PlacedAt, ProducerJsonStatus Status, string? Note);

/// <summary>A type that <see cref="ProducerJsonContext"/> does not know.</summary>
public sealed record ProducerJsonUnknown(string Name);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProducerJsonOrder))]
internal sealed partial class ProducerJsonContext : JsonSerializerContext;

/// <summary>Stream ids as (milliseconds, sequence), to compare them as the server orders them.</summary>
public static class ProducerIds
{
    public static (long Ms, long Seq) Parse(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return (long.Parse(id.AsSpan(0, dash), CultureInfo.InvariantCulture), long.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture));
    }

    public static bool Less(string a, string b) => Parse(a).CompareTo(Parse(b)) < 0;
}
