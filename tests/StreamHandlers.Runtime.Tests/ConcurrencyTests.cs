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

/// <summary>Holds handlers until the test opens it, counting how many are in flight at once.</summary>
public sealed class InFlightGate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _max;

    /// <summary>The in-flight count right after each handler entered.</summary>
    public Probe<int> Entered { get; } = new();

    public Probe<string> Finished { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _max);

    public void Open() => _open.TrySetResult();

    public async Task PassAsync(string message, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _max, now);
        Entered.Add(now);
        try
        {
            await _open.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        Finished.Add(message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

public sealed class ConcurrentBatchHandlers
{
    [StreamHandler("rt:conc", Group = "g-conc", Concurrency = 4)]
    public static Task HandleAsync(string message, InFlightGate gate, CancellationToken cancellationToken) => gate.PassAsync(message, cancellationToken);
}

public sealed class ConcurrentTrickleHandlers
{
    [StreamHandler("rt:trickle", Group = "g-trickle", Concurrency = 4)]
    public static Task HandleAsync(string message, InFlightGate gate, CancellationToken cancellationToken) => gate.PassAsync(message, cancellationToken);
}

/// <summary><c>Concurrency = n</c>: up to n entries of one handler in flight at once in one process, never more.</summary>
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Concurrency_4_runs_four_entries_of_a_batch_at_once_and_never_more(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ConcurrentBatchHandlers>(server.Server, output, s => s.AddSingleton<InFlightGate>());
        var gate = host.Get<InFlightGate>();

        // Eight entries in one MULTI/EXEC: the blocked read wakes once with all of them.
        var transaction = server.Db.CreateTransaction();
        var adds = Enumerable.Range(1, 8).Select(i => transaction.StreamAddAsync("rt:conc", "data", $"m{i}")).ToArray();
        Assert.True(await transaction.ExecuteAsync());
        await Task.WhenAll(adds);

        try
        {
            await gate.Entered.WaitUntilAsync(counts => counts.Contains(4), "four entries were in flight at once", TimeSpan.FromSeconds(10));
        }
        finally
        {
            gate.Open();
        }

        await gate.Finished.WaitForCountAsync(8, "all eight entries finished");
        Assert.Equal(4, gate.MaxInFlight);
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:conc", "g-conc") == 0, TimeSpan.FromSeconds(10), "all eight were acknowledged");
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Concurrency_4_runs_entries_that_arrive_one_by_one_while_a_slow_one_is_in_flight(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ConcurrentTrickleHandlers>(server.Server, output, s => s.AddSingleton<InFlightGate>());
        var gate = host.Get<InFlightGate>();

        try
        {
            // The first entry arrives alone and stays in flight; three more arrive after it.
            await host.Streams.PublishAsync("rt:trickle", "m1");
            await gate.Entered.WaitForCountAsync(1, "the first entry is in flight");
            for (var i = 2; i <= 4; i++)
            {
                await host.Streams.PublishAsync("rt:trickle", $"m{i}");
            }

            await gate.Entered.WaitUntilAsync(
                counts => counts.Contains(4),
                "the three entries added while the first was in flight also started (Concurrency = 4 is free slots, not a batch at a time)",
                TimeSpan.FromSeconds(10));
        }
        finally
        {
            gate.Open();
        }

        await gate.Finished.WaitForCountAsync(4, "all four entries finished");
        Assert.Equal(4, gate.MaxInFlight);
    }
}
