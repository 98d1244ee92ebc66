using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class EngineAccountingHandlers
{
    /// <summary>"fail:…" always fails; "flaky:…" fails on its first two deliveries (as the server counts them); the rest succeed.</summary>
    [StreamHandler("eng:acct", Group = "g-acct", MaxRetries = 2, RetryDelayMs = 20, Concurrency = 4, ClaimIdleMs = 2000, Start = StreamStart.Beginning)]
    public static void Handle(string data, StreamMessageContext context, EngineTally handled)
    {
        if (data.StartsWith("fail:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("always fails");
        }

        if (data.StartsWith("flaky:", StringComparison.Ordinal) && context.DeliveryCount <= 2)
        {
            throw new InvalidOperationException($"fails on delivery {context.DeliveryCount}");
        }

        handled.Record(context.Id);
    }
}

/// <summary>
/// Guarantees 1–3 in bulk, across a server crash: every entry ends either handled or dead-lettered, never both,
/// never neither, and the dead letters are exactly the entries that always failed, after 1 + MaxRetries attempts.
/// </summary>
public sealed class EngineAccountingTests(ITestOutputHelper output)
{
    private const int Total = 10_000;

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Ten_thousand_entries_with_failures_and_a_server_crash_all_end_handled_or_dead_lettered(ServerKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind, new RedisServerOptions { AppendOnly = true });
        await using var admin = await server.ConnectAsync();
        var db = admin.GetDatabase();

        // 10% always fail, 10% fail twice then succeed, 80% succeed; pipelined, so the fill takes a moment only.
        var data = Enumerable.Range(0, Total).Select(i => (i % 10) switch { 0 => $"fail:{i}", 1 => $"flaky:{i}", _ => $"ok:{i}" }).ToArray();
        var ids = (await Task.WhenAll(data.Select(d => db.StreamAddAsync("eng:acct", "data", d)))).Select(id => (string)id!).ToArray();
        var failing = ids.Where((_, i) => data[i].StartsWith("fail:", StringComparison.Ordinal)).ToHashSet();
        var succeeding = ids.Where((_, i) => !data[i].StartsWith("fail:", StringComparison.Ordinal)).ToHashSet();

        var handled = new EngineTally();
        var clock = Stopwatch.StartNew();
        await using var host = await TestHost.StartAsync<EngineAccountingHandlers>(server, output, s => s.AddSingleton(handled));

        // A crash in the middle: SIGKILL, then start again from the append-only file.
        await Wait.UntilAsync(() => handled.Count >= Total * 3 / 10, TimeSpan.FromSeconds(30), "30% of the entries were handled");
        var handledAtCrash = handled.Count;
        await server.KillAsync();
        await server.RestartAsync();
        output.WriteLine($"{kind}: crashed at {handledAtCrash} handled, after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(handledAtCrash < succeeding.Count, "the crash came while entries were still being handled");

        try
        {
            await Wait.UntilAsync(
                async () => handled.Count >= succeeding.Count
                    && await db.StreamLengthAsync("eng:acct:dlq") >= failing.Count
                    && await ServerState.PendingAsync(db, "eng:acct", "g-acct") == 0,
                TimeSpan.FromSeconds(90),
                "every entry was handled or dead-lettered and nothing is pending");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"{ex.Message} Handled {handled.Count} of {succeeding.Count}, dead-lettered {await db.StreamLengthAsync("eng:acct:dlq")} of {failing.Count}, pending {await ServerState.PendingAsync(db, "eng:acct", "g-acct")}.", ex);
        }
        output.WriteLine($"{kind}: done after {clock.Elapsed.TotalSeconds:0.0} s; {handled.Total - handled.Count} duplicate call(s) of succeeded entries");

        // Handled: exactly the entries that can succeed.
        Assert.Equal(succeeding.Order(), handled.Snapshot().Keys.Order());

        // Dead letters: exactly the always-failing entries, once each, after 1 + MaxRetries = 3 attempts, with their data.
        var dead = await db.StreamRangeAsync("eng:acct:dlq");
        var bySource = dead.GroupBy(e => (string)ServerState.Field(e, "dlq:source-id")!).ToDictionary(g => g.Key, g => g.ToArray());
        Assert.Equal(failing.Order(), bySource.Keys.Order());
        Assert.Equal(failing.Count, dead.Length);
        Assert.All(dead, e => Assert.Equal("3", (string?)ServerState.Field(e, "dlq:attempts")));
        Assert.All(dead, e => Assert.StartsWith("fail:", (string?)ServerState.Field(e, "data")));
        Assert.Equal(0, await ServerState.PendingAsync(db, "eng:acct", "g-acct"));
    }
}
