using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>What <see cref="ProducerJsonHandlers"/> received.</summary>
public sealed record ProducerJsonReceived(string Id, ProducerJsonOrder Order);

public sealed class ProducerJsonHandlers
{
    [StreamHandler("p:json", Group = "g-json", Start = StreamStart.Beginning)]
    public static void Handle(ProducerJsonOrder order, StreamMessageContext context, Probe<ProducerJsonReceived> probe) =>
        probe.Add(new ProducerJsonReceived(context.Id, order));
}

/// <summary>JSON through a source-generated JsonSerializerContext given with UseJsonTypeInfoResolver.</summary>
public sealed class ProducerJsonContextTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_message_round_trips_through_the_context_as_camelCase_JSON(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerJsonHandlers>(server.Server, output,
            s => s.AddSingleton<Probe<ProducerJsonReceived>>(),
            o => o.UseJsonTypeInfoResolver(ProducerJsonContext.Default));
        var probe = host.Get<Probe<ProducerJsonReceived>>();
        var db = server.Db;

        // The resolver is the context itself, not the reflection-based one.
        Assert.Same(ProducerJsonContext.Default, host.Options.JsonSerializerOptions.TypeInfoResolver);

        var order = new ProducerJsonOrder("o-17", "Ada Lovelace", 1234.50m, 3, new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)), ProducerJsonStatus.Shipped, null);
        var second = order with { OrderId = "o-18", Note = "leave at the door", Status = ProducerJsonStatus.Placed };
        var id = await host.Streams.PublishAsync("p:json", order);
        var batchIds = await host.Streams.PublishBatchAsync("p:json", new[] { second });

        var received = await probe.WaitForCountAsync(2, "both orders were handled");
        Assert.Equal(id, received[0].Id);
        Assert.Equal(order, received[0].Order);
        Assert.Equal(batchIds[0], received[1].Id);
        Assert.Equal(second, received[1].Order);

        // On the wire: camelCase property names, the values as written.
        var entry = Assert.Single(await db.StreamRangeAsync("p:json", id, id));
        var json = (string)ServerState.Field(entry, "data")!;
        output.WriteLine(json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(["orderId", "customerName", "amount", "quantity", "placedAt", "status", "note"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("o-17", root.GetProperty("orderId").GetString());
        Assert.Equal("Ada Lovelace", root.GetProperty("customerName").GetString());
        Assert.Equal(1234.50m, root.GetProperty("amount").GetDecimal());
        Assert.Equal(3, root.GetProperty("quantity").GetInt32());
        Assert.Equal(order.PlacedAt, root.GetProperty("placedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("note").ValueKind);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Publishing_a_type_the_context_does_not_know_throws_naming_the_type_and_writes_nothing(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ProducerJsonContextTests>(server.Server, output,
            options: o => o.UseJsonTypeInfoResolver(ProducerJsonContext.Default));
        var db = server.Db;
        await db.StreamAddAsync("p:json-unknown", "data", "seed");

        var single = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishAsync("p:json-unknown", new ProducerJsonUnknown("x")));
        output.WriteLine(single.Message);
        Assert.Contains(nameof(ProducerJsonUnknown), single.Message, StringComparison.Ordinal);

        var batch = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishBatchAsync("p:json-unknown", new[] { new ProducerJsonUnknown("a"), new ProducerJsonUnknown("b") }));
        Assert.Contains(nameof(ProducerJsonUnknown), batch.Message, StringComparison.Ordinal);

        // Known to reflection, unknown to the context: no silent fallback to reflection.
        var record = await Assert.ThrowsAsync<ArgumentException>(() => host.Streams.PublishAsync("p:json-unknown", new ProducerRecord(1, "r")));
        Assert.Contains(nameof(ProducerRecord), record.Message, StringComparison.Ordinal);

        Assert.Equal(1, await db.StreamLengthAsync("p:json-unknown"));

        // Strings are written as they are, with or without a context.
        await host.Streams.PublishAsync("p:json-unknown", "plain text");
        Assert.Equal(2, await db.StreamLengthAsync("p:json-unknown"));
    }
}
