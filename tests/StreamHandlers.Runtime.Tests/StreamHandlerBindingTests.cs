using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>A JSON message, as existing producers write it (camelCase).</summary>
public sealed record WorkItem(string TaskId, string Prompt, int Attempt);

/// <summary>What the JSON handler saw of one entry.</summary>
public sealed record HandledWorkItem(WorkItem Item, string Stream, string Group, string Consumer, string Id, long DeliveryCount, bool TokenCanBeCanceled, Guid Scope);

/// <summary>A scoped service: a fresh one per message shows that every message gets its own DI scope.</summary>
public sealed class MessageScope
{
    public Guid Id { get; } = Guid.NewGuid();
}

public sealed class JsonWorkHandlers(MessageScope scope)
{
    [StreamHandler("rt:json", Group = "g1")]
    public async Task HandleAsync(WorkItem item, StreamMessageContext context, CancellationToken cancellationToken, Probe<HandledWorkItem> probe)
    {
        await Task.Yield();
        probe.Add(new HandledWorkItem(item, context.Stream, context.Group, context.Consumer, context.Id, context.DeliveryCount, cancellationToken.CanBeCanceled, scope.Id));
    }
}

/// <summary>What a string or raw-entry handler saw.</summary>
public sealed record SeenRaw(string Handler, string Id, string? Data, NameValueEntry[] Fields);

public sealed class RawEntryHandlers
{
    [StreamHandler("rt:raw", Group = "g-string")]
    public static void OnString(string data, StreamMessageContext context, Probe<SeenRaw> probe) =>
        probe.Add(new SeenRaw("string", context.Id, data, context.Entry.Values));

    [StreamHandler("rt:raw", Group = "g-entry")]
    public static ValueTask OnEntry(StreamEntry entry, Probe<SeenRaw> probe)
    {
        probe.Add(new SeenRaw("entry", entry.Id.ToString(), null, entry.Values));
        return ValueTask.CompletedTask;
    }
}

public sealed class WireFormatHandlers
{
    [StreamHandler("rt:wire", Group = "g-wire")]
    public static Task HandleAsync(WorkItem item, StreamMessageContext context, Probe<HandledWorkItem> probe)
    {
        probe.Add(new HandledWorkItem(item, context.Stream, context.Group, context.Consumer, context.Id, context.DeliveryCount, false, Guid.Empty));
        return Task.CompletedTask;
    }
}

/// <summary>Binding of the message and the other parameters, end to end through the generated invokers.</summary>
public sealed class StreamHandlerBindingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Json_handler_handles_every_entry_once_in_order_with_context_and_acknowledges(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<JsonWorkHandlers>(server.Server, output, s => s
            .AddSingleton<Probe<HandledWorkItem>>()
            .AddScoped<MessageScope>());
        var probe = host.Get<Probe<HandledWorkItem>>();

        var ids = new string[50];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = await host.Streams.PublishAsync("rt:json", new WorkItem($"t{i}", $"prompt {i}", i));
        }

        await probe.WaitForCountAsync(50, "all 50 entries were handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:json", "g1") == 0, TimeSpan.FromSeconds(10), "XPENDING rt:json g1 is 0");

        var seen = probe.Snapshot();
        Assert.Equal(50, seen.Count);
        Assert.Equal(ids, seen.Select(s => s.Id));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"t{i}"), seen.Select(s => s.Item.TaskId));
        Assert.Equal(new WorkItem("t7", "prompt 7", 7), seen[7].Item);
        Assert.All(seen, s =>
        {
            Assert.Equal("rt:json", s.Stream);
            Assert.Equal("g1", s.Group);
            Assert.Equal(host.Options.ConsumerName, s.Consumer);
            Assert.Equal(1, s.DeliveryCount);
            Assert.True(s.TokenCanBeCanceled, "the handler's CancellationToken is the host's abort token, not CancellationToken.None");
        });
        Assert.Equal(50, seen.Select(s => s.Scope).Distinct().Count());

        // Exactly once: a later sentinel is handled, and nothing before it came again.
        var sentinel = await host.Streams.PublishAsync("rt:json", new WorkItem("sentinel", "", 0));
        await probe.WaitForAsync(s => s.Id == sentinel, "the sentinel was handled");
        Assert.Equal(51, probe.Count);
        Assert.Equal(51, probe.Snapshot().Select(s => s.Id).Distinct().Count());
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task String_handler_gets_the_data_field_and_raw_entry_handler_gets_all_fields(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<RawEntryHandlers>(server.Server, output, s => s.AddSingleton<Probe<SeenRaw>>());
        var probe = host.Get<Probe<SeenRaw>>();

        var id = (string)(await server.Db.StreamAddAsync("rt:raw", [new NameValueEntry("data", "hello world"), new NameValueEntry("other", "42")]))!;

        var seen = await probe.WaitForCountAsync(2, "both the string and the raw-entry handler got the entry");
        var asString = Assert.Single(seen, s => s.Handler == "string");
        Assert.Equal(id, asString.Id);
        Assert.Equal("hello world", asString.Data);

        var asEntry = Assert.Single(seen, s => s.Handler == "entry");
        Assert.Equal(id, asEntry.Id);
        Assert.Equal(
            new[] { ("data", "hello world"), ("other", "42") },
            asEntry.Fields.Select(f => ((string)f.Name!, (string)f.Value!)).ToArray());
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Json_handler_binds_an_entry_written_by_an_existing_producer(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<WireFormatHandlers>(server.Server, output, s => s.AddSingleton<Probe<HandledWorkItem>>());
        var probe = host.Get<Probe<HandledWorkItem>>();

        // XADD rt:wire * data '{"taskId":…}' source legacy: camelCase JSON, and an extra field that binding ignores.
        var id = (string)(await server.Db.StreamAddAsync("rt:wire", [
            new NameValueEntry("data", """{"taskId":"t1","prompt":"summarise","attempt":3}"""),
            new NameValueEntry("source", "legacy"),
        ]))!;

        var seen = await probe.WaitForAsync(s => s.Id == id, "the hand-written entry was handled");
        Assert.Equal(new WorkItem("t1", "summarise", 3), seen.Item);
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:wire", "g-wire") == 0, TimeSpan.FromSeconds(10), "the entry was acknowledged");
    }
}
