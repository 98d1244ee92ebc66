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

public sealed class EngineTrimmedHandlers
{
    [StreamHandler("eng:trim", Group = "g-trim", ClaimIdleMs = 1000)]
    public static void Handle(string data, StreamMessageContext context, Probe<EngineDelivery> probe) =>
        probe.Add(EngineDelivery.From(data, context));
}

public sealed class EngineTrimmedRetryHandlers
{
    // A retry delay long enough for the test to delete the failed entry before its retry.
    [StreamHandler("eng:trim-retry", Group = "g-trim-retry", RetryDelayMs = 2000)]
    public static void Handle(string data, StreamMessageContext context, Probe<EngineDelivery> probe)
    {
        probe.Add(EngineDelivery.From(data, context));
        if (data == "doomed")
        {
            throw new InvalidOperationException("fails until it is deleted");
        }
    }
}

/// <summary>Guarantee 4, last part: pending entries whose data is gone are acknowledged and logged, and never crash a loop.</summary>
public sealed class EngineTrimmedEntryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_deleted_entry_pending_on_a_stopped_consumer_is_cleared_by_the_claim_and_the_loop_goes_on(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;
        await db.StreamCreateConsumerGroupAsync("eng:trim", "g-trim", "$", createStream: true);
        var gone = (string)(await db.StreamAddAsync("eng:trim", "data", "deleted"))!;
        Assert.Single(await db.StreamReadGroupAsync("eng:trim", "g-trim", "ghost", StreamPosition.NewMessages, 1));
        Assert.Equal(1, await db.StreamDeleteAsync("eng:trim", [gone]));
        Assert.Equal(1, await ServerState.PendingAsync(db, "eng:trim", "g-trim"));

        await using var host = await TestHost.StartAsync<EngineTrimmedHandlers>(server.Server, output, s => s.AddSingleton<Probe<EngineDelivery>>());
        var probe = host.Get<Probe<EngineDelivery>>();

        // Claimed once it is idle for ClaimIdleMs; the server drops it from the pending list and the loop logs it.
        await EnginePending.WaitUntilEmptyAsync(db, "eng:trim", "g-trim", "the deleted entry left the pending list");
        await Wait.UntilAsync(() => host.Logs.Lines.Any(l => l.EventId.Id == 34 && l.Message.Contains(gone, StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "the gone entry was logged");

        var next = await host.Streams.PublishAsync("eng:trim", "next");
        await probe.WaitForAsync(c => c.Id == next, "an entry added afterwards was handled");
        await EnginePending.WaitUntilEmptyAsync(db, "eng:trim", "g-trim", "nothing is pending");

        Assert.Equal([next], probe.Snapshot().Select(c => c.Id));
        EngineLogs.AssertNoLoopErrors(host);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task An_entry_deleted_while_waiting_for_its_retry_is_dropped_and_not_run_again(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;
        await using var host = await TestHost.StartAsync<EngineTrimmedRetryHandlers>(server.Server, output, s => s.AddSingleton<Probe<EngineDelivery>>());
        var probe = host.Get<Probe<EngineDelivery>>();

        var doomed = await host.Streams.PublishAsync("eng:trim-retry", "doomed");
        await probe.WaitForAsync(c => c.Id == doomed, "the doomed entry failed once");
        Assert.Equal(1, await db.StreamDeleteAsync("eng:trim-retry", [doomed]));

        var next = await host.Streams.PublishAsync("eng:trim-retry", "next");
        await probe.WaitForAsync(c => c.Id == next, "the entry after it was handled");

        // The retry (2 s later) finds the entry gone: the server drops it from the pending list; nothing runs again.
        await EnginePending.WaitUntilEmptyAsync(db, "eng:trim-retry", "g-trim-retry", "the deleted entry left the pending list");
        Assert.Equal([doomed, next], probe.Snapshot().Select(c => c.Id));
        Assert.Equal(0, await db.StreamLengthAsync("eng:trim-retry:dlq"));
        EngineLogs.AssertNoLoopErrors(host);
    }
}
