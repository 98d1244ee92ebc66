using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>What a subscriber received.</summary>
public sealed record Received(string Channel, string? Pattern, string Message);

public sealed class StringChannelSubscribers
{
    [ChannelSubscriber("rt:chan")]
    public static void On(string message, ChannelMessageContext context, Probe<Received> probe) =>
        probe.Add(new Received(context.Channel, context.Pattern, message));
}

public sealed class JsonChannelSubscribers
{
    [ChannelSubscriber("rt:chan:json")]
    public static Task OnAsync(WorkItem item, ChannelMessageContext context, Probe<Received> probe)
    {
        probe.Add(new Received(context.Channel, context.Pattern, $"{item.TaskId}|{item.Prompt}|{item.Attempt}"));
        return Task.CompletedTask;
    }
}

public sealed class PatternChannelSubscribers
{
    [ChannelSubscriber("rt:pat:*", Pattern = true)]
    public static void On(string message, ChannelMessageContext context, Probe<Received> probe) =>
        probe.Add(new Received(context.Channel, context.Pattern, message));
}

public sealed class LiteralStarChannelSubscribers
{
    // Not a pattern: only a channel named exactly "rt:lit*" matches.
    [ChannelSubscriber("rt:lit*")]
    public static void On(string message, ChannelMessageContext context, Probe<Received> probe) =>
        probe.Add(new Received(context.Channel, context.Pattern, message));
}

public sealed class ThrowingChannelSubscribers
{
    [ChannelSubscriber("rt:throw")]
    public static void On(string message, ChannelMessageContext context, Probe<Received> probe)
    {
        probe.Add(new Received(context.Channel, context.Pattern, message));
        if (message == "boom")
        {
            throw new InvalidOperationException("subscriber failed on purpose");
        }
    }
}

/// <summary>Pub/Sub subscribers: binding, order, patterns versus literal names, and failures that do not end a subscription.</summary>
public sealed class ChannelSubscriberTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task String_subscriber_gets_every_message_in_publish_order(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<StringChannelSubscribers>(server.Server, output, s => s.AddSingleton<Probe<Received>>());
        var probe = host.Get<Probe<Received>>();

        var messages = Enumerable.Range(0, 100).Select(i => $"message {i}").ToArray();
        foreach (var message in messages)
        {
            // Subscribed before StartAsync returned: the server counts exactly this host's one subscription.
            Assert.Equal(1, await host.Channels.PublishAsync("rt:chan", message));
        }

        var seen = await probe.WaitForCountAsync(100, "all 100 messages were received");
        Assert.Equal(messages, seen.Select(r => r.Message));
        Assert.All(seen, r =>
        {
            Assert.Equal("rt:chan", r.Channel);
            Assert.Null(r.Pattern);
        });
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Json_subscriber_gets_the_object_and_invalid_json_does_not_end_the_subscription(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<JsonChannelSubscribers>(server.Server, output, s => s.AddSingleton<Probe<Received>>());
        var probe = host.Get<Probe<Received>>();

        Assert.Equal(1, await host.Channels.PublishAsync("rt:chan:json", new WorkItem("t1", "first", 1)));
        Assert.Equal(1, await host.Channels.PublishAsync("rt:chan:json", "{not json"));

        // Published by hand, camelCase as any producer writes it.
        Assert.Equal(1, await server.Db.PublishAsync(StackExchange.Redis.RedisChannel.Literal("rt:chan:json"), """{"taskId":"t2","prompt":"second","attempt":2}"""));

        var seen = await probe.WaitForCountAsync(2, "both valid messages were received, also the one after the invalid one");
        Assert.Equal(["t1|first|1", "t2|second|2"], seen.Select(r => r.Message));
        Assert.All(seen, r => Assert.Equal("rt:chan:json", r.Channel));
        Assert.Contains(host.Logs.AtLeast(LogLevel.Warning), l => l.Exception is not null && l.Message.Contains("rt:chan:json", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Pattern_subscriber_gets_matching_channels_with_the_pattern_in_its_context(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<PatternChannelSubscribers>(server.Server, output, s => s.AddSingleton<Probe<Received>>());
        var probe = host.Get<Probe<Received>>();

        Assert.Equal(0, await host.Channels.PublishAsync("rt:other", "not matching"));
        Assert.Equal(1, await host.Channels.PublishAsync("rt:pat:a", "to a"));
        Assert.Equal(1, await host.Channels.PublishAsync("rt:pat:b", "to b"));

        var seen = await probe.WaitForCountAsync(2, "both matching messages were received");
        Assert.Equal([new Received("rt:pat:a", "rt:pat:*", "to a"), new Received("rt:pat:b", "rt:pat:*", "to b")], seen);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_literal_channel_name_with_a_star_is_not_read_as_a_pattern(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<LiteralStarChannelSubscribers>(server.Server, output, s => s.AddSingleton<Probe<Received>>());
        var probe = host.Get<Probe<Received>>();

        Assert.Equal(0, await host.Channels.PublishAsync("rt:litX", "would match the pattern"));
        Assert.Equal(1, await host.Channels.PublishAsync("rt:lit*", "exact name"));

        // Messages of one connection arrive in order: once the second is here, the first would have been too.
        await probe.WaitForAsync(r => r.Message == "exact name", "the message to the exact name was received");
        Assert.Equal([new Received("rt:lit*", null, "exact name")], probe.Snapshot());
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_subscriber_that_throws_still_gets_the_next_message(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ThrowingChannelSubscribers>(server.Server, output, s => s.AddSingleton<Probe<Received>>());
        var probe = host.Get<Probe<Received>>();

        await host.Channels.PublishAsync("rt:throw", "boom");
        await host.Channels.PublishAsync("rt:throw", "next");
        await host.Channels.PublishAsync("rt:throw", "boom");
        await host.Channels.PublishAsync("rt:throw", "last");

        var seen = await probe.WaitForCountAsync(4, "every message, also those after failures, was received");
        Assert.Equal(["boom", "next", "boom", "last"], seen.Select(r => r.Message));
        Assert.Contains(host.Logs.AtLeast(LogLevel.Warning), l => l.Exception is InvalidOperationException);
    }
}
