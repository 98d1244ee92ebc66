using System;
using System.Collections.Concurrent;
using System.Diagnostics;
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

public sealed class EngineOutageHandlers
{
    [StreamHandler("eng:outage", Group = "g-outage", ClaimIdleMs = 1000, RetryDelayMs = 50)]
    public static void Handle(string data, StreamMessageContext context, EngineTally handled) => handled.Record(context.Id);
}

/// <summary>Guarantees 1 and 7: a server killed and restarted under a producer loses no acknowledged entry and stops no loop.</summary>
public sealed class EngineServerRestartTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Every_entry_the_server_acknowledged_is_handled_across_a_server_kill_and_restart(ServerKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind, new RedisServerOptions { AppendOnly = true });
        await using var admin = await server.ConnectAsync();
        var handled = new EngineTally();
        await using var host = await TestHost.StartAsync<EngineOutageHandlers>(server, output, s => s.AddSingleton(handled));

        // The producer has a connection of its own and records only the ids the server returned.
        await using var producerConnection = await server.ConnectAsync();
        var acknowledged = new ConcurrentQueue<string>();
        var failures = 0;
        using var stopProducing = new CancellationTokenSource();
        var producer = Task.Run(async () =>
        {
            var db = producerConnection.GetDatabase();
            for (var n = 0; !stopProducing.IsCancellationRequested; n++)
            {
                try
                {
                    acknowledged.Enqueue((string)(await db.StreamAddAsync("eng:outage", "data", $"m{n}"))!);
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or RedisServerException)
                {
                    // Lost with the server, or refused while it loads: not acknowledged, so not expected.
                    Interlocked.Increment(ref failures);
                }

                // Pacing, so that the run is a few hundred entries rather than as many as the machine can write.
                await Task.Delay(5);
            }
        });

        await Wait.UntilAsync(() => handled.Count >= 100, TimeSpan.FromSeconds(15), "the host handled 100 entries before the kill");
        await server.KillAsync();
        var killedAt = acknowledged.Count;
        var outage = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(1)); // the outage itself
        await server.RestartAsync();
        output.WriteLine($"{kind}: server down for {outage.Elapsed.TotalMilliseconds:0} ms; {killedAt} entries acknowledged before the kill");

        await Wait.UntilAsync(() => acknowledged.Count >= killedAt + 100, TimeSpan.FromSeconds(20), "the producer added 100 entries after the restart");
        stopProducing.Cancel();
        await producer.WaitAsync(TimeSpan.FromSeconds(20));

        var expected = acknowledged.ToHashSet();
        await Wait.UntilAsync(() => expected.All(handled.Contains), TimeSpan.FromSeconds(30), $"all {expected.Count} acknowledged entries were handled");
        await EnginePending.WaitUntilEmptyAsync(admin.GetDatabase(), "eng:outage", "g-outage", "nothing is pending");

        var handledIds = handled.Snapshot();
        output.WriteLine($"{expected.Count} acknowledged, {failures} producer failures, {handledIds.Count} handled, {handled.Total - handledIds.Count} duplicate call(s)");
        Assert.Subset(handledIds.Keys.ToHashSet(), expected);

        // The outage is logged, and so is the recovery, once, not once per retry (the host writes its log to the output).
        // The loop's own line (20/21) appears only if a read of its failed; a read issued while the connection was
        // down waits for the reconnect instead. The connection's lines (44/45) come once per connection type.
        var lines = host.Logs.Lines;
        int Count(int eventId) => lines.Count(l => l.EventId.Id == eventId);
        Assert.True(Count(20) + Count(44) >= 1, "the outage was logged");
        Assert.True(Count(21) + Count(45) >= 1, "the recovery was logged");
        Assert.True(Count(20) <= 2, $"the loop logged the outage at most twice, not {Count(20)} times");
        Assert.True(Count(21) <= 2, $"the loop logged the recovery at most twice, not {Count(21)} times");
        Assert.True(Count(44) <= 4 && Count(45) <= 4, $"the connections logged their loss ({Count(44)}) and return ({Count(45)}) once per connection type");
        Assert.True(Count(22) <= 2, $"no flood of loop errors ({Count(22)})");
    }
}
