using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>One attempt: the entry, the server's delivery count, and when (<see cref="Stopwatch.GetTimestamp"/>).</summary>
public sealed record EngineAttempt(string Id, long DeliveryCount, long Timestamp);

public sealed class EngineRecoveringHandlers
{
    public const int RetryDelayMs = 100;

    [StreamHandler("eng:retry", Group = "g-retry-ok", RetryDelayMs = RetryDelayMs)]
    public static void Handle(string data, StreamMessageContext context, Probe<EngineAttempt> probe)
    {
        probe.Add(new EngineAttempt(context.Id, context.DeliveryCount, Stopwatch.GetTimestamp()));
        if (context.DeliveryCount <= 2)
        {
            throw new InvalidOperationException($"delivery {context.DeliveryCount} fails");
        }
    }
}

/// <summary>Guarantee 2: a failed entry comes back after RetryDelayMs × 2^(retry − 1), counted by the server, and succeeds.</summary>
[Collection(EngineTimingCollection.Name)]
public sealed class EngineRetryTests(ITestOutputHelper output)
{
    /// <summary>How late a retry may come on a busy machine: far more than the loop's tick, far less than a second.</summary>
    private const int Lateness = 500;

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_handler_failing_twice_succeeds_on_delivery_3_after_growing_delays_and_is_acknowledged(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<EngineRecoveringHandlers>(server.Server, output, s => s.AddSingleton<Probe<EngineAttempt>>());
        var probe = host.Get<Probe<EngineAttempt>>();

        var id = await host.Streams.PublishAsync("eng:retry", "fails twice");
        var attempts = await probe.WaitForCountAsync(3, "the entry was attempted three times", TimeSpan.FromSeconds(10));
        await EnginePending.WaitUntilEmptyAsync(server.Db, "eng:retry", "g-retry-ok", "the entry was acknowledged");

        Assert.All(attempts, a => Assert.Equal(id, a.Id));
        Assert.Equal([1L, 2L, 3L], attempts.Select(a => a.DeliveryCount));
        Assert.Equal(3, probe.Count);
        Assert.Equal(0, await server.Db.StreamLengthAsync("eng:retry:dlq"));

        // RetryDelayMs × 2^(retry − 1): 100 ms, then 200 ms; asserted loosely (timer granularity, a busy machine), but
        // a retry half a second later than due is not "after RetryDelayMs" any more.
        var first = Stopwatch.GetElapsedTime(attempts[0].Timestamp, attempts[1].Timestamp);
        var second = Stopwatch.GetElapsedTime(attempts[1].Timestamp, attempts[2].Timestamp);
        output.WriteLine($"gaps: {first.TotalMilliseconds:0} ms, {second.TotalMilliseconds:0} ms");
        var delay = EngineRecoveringHandlers.RetryDelayMs;
        Assert.True(first >= TimeSpan.FromMilliseconds(0.8 * delay), $"the first retry waited RetryDelayMs (waited {first.TotalMilliseconds:0} ms)");
        Assert.True(second >= TimeSpan.FromMilliseconds(1.5 * delay), $"the second retry waited about twice as long (waited {second.TotalMilliseconds:0} ms)");
        Assert.True(first <= TimeSpan.FromMilliseconds(delay + Lateness), $"the first retry came about RetryDelayMs = {delay} ms after the failure, not {first.TotalMilliseconds:0} ms");
        Assert.True(second <= TimeSpan.FromMilliseconds((2 * delay) + Lateness), $"the second retry came about 2 × RetryDelayMs = {2 * delay} ms after the failure, not {second.TotalMilliseconds:0} ms");
    }
}
