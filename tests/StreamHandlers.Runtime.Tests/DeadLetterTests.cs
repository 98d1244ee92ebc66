using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>What a handler of these tests was called with.</summary>
public sealed record Called(string Id, string? TaskId);

public sealed class BadPayloadHandlers
{
    [StreamHandler("rt:bad", Group = "g-bad")]
    public static void Handle(WorkItem item, StreamMessageContext context, Probe<Called> probe) =>
        probe.Add(new Called(context.Id, item.TaskId));
}

/// <summary>A handler's own reason to dead-letter, derived from <see cref="DeadLetterException"/>.</summary>
public sealed class PoisonMessageException(string message) : DeadLetterException(message);

public sealed class DeadLetteringHandlers
{
    [StreamHandler("rt:poison", Group = "g-poison", DeadLetterStream = "rt:poison:parked")]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe)
    {
        probe.Add(new Called(context.Id, message));
        switch (message)
        {
            case "poison":
                throw new PoisonMessageException("order 17 refers to a deleted customer");
            case "plain":
                throw new DeadLetterException("reason");
        }
    }
}

public sealed class FailingHandlers
{
    // A first retry far beyond the test, so that what is asserted is the state after the first failed attempt.
    [StreamHandler("rt:fail", Group = "g-fail", RetryDelayMs = 600_000)]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe)
    {
        probe.Add(new Called(context.Id, message));
        if (message == "fail")
        {
            throw new InvalidOperationException("the model timed out");
        }
    }
}

/// <summary>One attempt of the retried handler: the entry and the server's delivery count.</summary>
public sealed record Attempt(string Id, long DeliveryCount, DateTimeOffset At);

public sealed class AlwaysFailingHandlers
{
    [StreamHandler("rt:retry", Group = "g-retry", MaxRetries = 2, RetryDelayMs = 100)]
    public static void Handle(string message, StreamMessageContext context, Probe<Attempt> probe)
    {
        probe.Add(new Attempt(context.Id, context.DeliveryCount, DateTimeOffset.UtcNow));
        throw new InvalidOperationException($"attempt {context.DeliveryCount} failed");
    }
}

/// <summary>Dead letters on bad payloads and on DeadLetterException, and failures that stay pending.</summary>
public sealed class DeadLetterTests(ITestOutputHelper output)
{
    private static readonly string[] DeadLetterFields =
        ["dlq:source-stream", "dlq:source-id", "dlq:group", "dlq:consumer", "dlq:attempts", "dlq:error-type", "dlq:error", "dlq:failed-at"];

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Unbindable_entries_are_dead_lettered_at_once_with_all_fields_and_processing_goes_on(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<BadPayloadHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();
        var db = server.Db;

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var noData = (string)(await db.StreamAddAsync("rt:bad", [new NameValueEntry("other", "x"), new NameValueEntry("trace", "abc")]))!;
        var invalidJson = (string)(await db.StreamAddAsync("rt:bad", [new NameValueEntry("data", "{not json"), new NameValueEntry("other", "y")]))!;
        var jsonNull = (string)(await db.StreamAddAsync("rt:bad", "data", "null"))!;
        var good = await host.Streams.PublishAsync("rt:bad", new WorkItem("good", "p", 1));

        // Processing goes on: the good entry after the bad ones is handled (in order, so the bad ones are done).
        await probe.WaitForAsync(c => c.Id == good, "the good entry after the bad ones was handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, "rt:bad", "g-bad") == 0, TimeSpan.FromSeconds(10), "nothing of rt:bad is pending");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal([good], probe.Snapshot().Select(c => c.Id));

        var dead = await db.StreamRangeAsync("rt:bad:dlq");
        Assert.Equal(3, dead.Length);
        var bySource = dead.ToDictionary(e => (string)ServerState.Field(e, "dlq:source-id")!);
        Assert.Equal(new[] { noData, invalidJson, jsonNull }.Order(), bySource.Keys.Order());

        AssertDeadLetter(bySource[noData], [("other", "x"), ("trace", "abc")], host, "rt:bad", "g-bad", before, after);
        AssertDeadLetter(bySource[invalidJson], [("data", "{not json"), ("other", "y")], host, "rt:bad", "g-bad", before, after);
        AssertDeadLetter(bySource[jsonNull], [("data", "null")], host, "rt:bad", "g-bad", before, after);
        Assert.Contains("data", (string)ServerState.Field(bySource[noData], "dlq:error")!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task DeadLetterException_dead_letters_with_its_message_and_type(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<DeadLetteringHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();
        var db = server.Db;

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var plain = await host.Streams.PublishAsync("rt:poison", "plain");
        var poison = await host.Streams.PublishAsync("rt:poison", "poison");
        var fine = await host.Streams.PublishAsync("rt:poison", "fine");

        await probe.WaitForAsync(c => c.Id == fine, "the entry after the dead-lettered ones was handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, "rt:poison", "g-poison") == 0, TimeSpan.FromSeconds(10), "nothing of rt:poison is pending");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Each was tried once: a DeadLetterException is not retried.
        Assert.Equal([plain, poison, fine], probe.Snapshot().Select(c => c.Id));

        // The attribute's DeadLetterStream, not the default.
        Assert.Equal(0, await db.StreamLengthAsync("rt:poison:dlq"));
        var dead = await db.StreamRangeAsync("rt:poison:parked");
        Assert.Equal(2, dead.Length);

        Assert.Equal(plain, (string?)ServerState.Field(dead[0], "dlq:source-id"));
        AssertDeadLetter(dead[0], [("data", "plain")], host, "rt:poison", "g-poison", before, after);
        Assert.Equal("reason", (string?)ServerState.Field(dead[0], "dlq:error"));
        Assert.Equal("StreamHandlers.DeadLetterException", (string?)ServerState.Field(dead[0], "dlq:error-type"));

        Assert.Equal(poison, (string?)ServerState.Field(dead[1], "dlq:source-id"));
        AssertDeadLetter(dead[1], [("data", "poison")], host, "rt:poison", "g-poison", before, after);
        Assert.Equal("order 17 refers to a deleted customer", (string?)ServerState.Field(dead[1], "dlq:error"));
        Assert.Equal(typeof(PoisonMessageException).FullName, (string?)ServerState.Field(dead[1], "dlq:error-type"));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Failing_handler_leaves_its_entry_pending_and_the_next_entry_is_handled(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<FailingHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();
        var db = server.Db;

        var failing = await host.Streams.PublishAsync("rt:fail", "fail");
        var next = await host.Streams.PublishAsync("rt:fail", "next");

        // The failure was observed, and the entry after it handled and acknowledged.
        await probe.WaitForAsync(c => c.Id == next, "the entry after the failing one was handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, "rt:fail", "g-fail") == 1, TimeSpan.FromSeconds(10), "only the failed entry is pending");
        Assert.Equal([failing, next], probe.Snapshot().Select(c => c.Id));

        var pending = Assert.Single(await db.StreamPendingMessagesAsync("rt:fail", "g-fail", 10, RedisValue.Null));
        Assert.Equal(failing, (string?)pending.MessageId);
        Assert.Equal(host.Options.ConsumerName, (string?)pending.ConsumerName);
        Assert.Equal(1, pending.DeliveryCount);
        Assert.Equal(0, await db.StreamLengthAsync("rt:fail:dlq"));

        var logged = Assert.Single(host.Logs.AtLeast(LogLevel.Warning), l => l.Exception is InvalidOperationException);
        Assert.Contains(failing, logged.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_failed_entry_is_retried_and_dead_lettered_after_1_plus_MaxRetries_attempts(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<AlwaysFailingHandlers>(server.Server, output, s => s.AddSingleton<Probe<Attempt>>());
        var probe = host.Get<Probe<Attempt>>();
        var db = server.Db;

        var id = await host.Streams.PublishAsync("rt:retry", "always fails");

        // MaxRetries = 2: three attempts, delivery counts 1, 2, 3, the retries 100 ms and 200 ms apart at least.
        var attempts = await probe.WaitForCountAsync(3, "the entry was attempted 1 + MaxRetries = 3 times", TimeSpan.FromSeconds(10));
        Assert.All(attempts, a => Assert.Equal(id, a.Id));
        Assert.Equal([1L, 2L, 3L], attempts.Select(a => a.DeliveryCount));
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromMilliseconds(90), "the first retry waits RetryDelayMs");
        Assert.True(attempts[2].At - attempts[1].At >= TimeSpan.FromMilliseconds(190), "the second retry waits twice as long");

        await Wait.UntilAsync(async () => await db.StreamLengthAsync("rt:retry:dlq") == 1, TimeSpan.FromSeconds(10), "the entry was dead-lettered");
        var dead = Assert.Single(await db.StreamRangeAsync("rt:retry:dlq"));
        Assert.Equal(id, (string?)ServerState.Field(dead, "dlq:source-id"));
        Assert.Equal("3", (string?)ServerState.Field(dead, "dlq:attempts"));
        Assert.Equal(typeof(InvalidOperationException).FullName, (string?)ServerState.Field(dead, "dlq:error-type"));
        Assert.Equal("attempt 3 failed", (string?)ServerState.Field(dead, "dlq:error"));
        Assert.Equal(0, await ServerState.PendingAsync(db, "rt:retry", "g-retry"));
        Assert.Equal(3, probe.Count);
    }

    private static void AssertDeadLetter(StreamEntry dead, (string Name, string Value)[] original, TestHost host, string stream, string group, long before, long after)
    {
        // All original fields and every dlq:* field, nothing else.
        var names = dead.Values.Select(v => (string)v.Name!).ToArray();
        Assert.Equal(original.Select(o => o.Name).Concat(DeadLetterFields).Order(), names.Order());
        foreach (var (name, value) in original)
        {
            Assert.Equal(value, (string?)ServerState.Field(dead, name));
        }

        Assert.Equal(stream, (string?)ServerState.Field(dead, "dlq:source-stream"));
        Assert.Equal(group, (string?)ServerState.Field(dead, "dlq:group"));
        Assert.Equal(host.Options.ConsumerName, (string?)ServerState.Field(dead, "dlq:consumer"));
        Assert.Equal("1", (string?)ServerState.Field(dead, "dlq:attempts"));
        Assert.False(string.IsNullOrWhiteSpace((string?)ServerState.Field(dead, "dlq:error-type")));
        Assert.False(string.IsNullOrWhiteSpace((string?)ServerState.Field(dead, "dlq:error")));

        var failedAt = (long)ServerState.Field(dead, "dlq:failed-at");
        Assert.InRange(failedAt, before - 1000, after + 1000);
    }
}
