using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class EngineOrderedHandlers
{
    [StreamHandler("eng:order", Group = "g-order", Start = StreamStart.Beginning)]
    public static void Handle(string data, StreamMessageContext context, Probe<string> probe) => probe.Add(context.Id);
}

public sealed class EngineParallelHandlers
{
    public const int Concurrency = 8;

    [StreamHandler("eng:parallel", Group = "g-parallel", Concurrency = Concurrency, Start = StreamStart.Beginning)]
    public static Task HandleAsync(string data, InFlightGate gate, CancellationToken cancellationToken) => gate.PassAsync(data, cancellationToken);
}

/// <summary>Concurrency 1 keeps stream order through a pipelined backlog; Concurrency n runs n at once over a backlog.</summary>
public sealed class EngineOrderingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Concurrency_1_handles_a_backlog_of_500_in_exact_id_order(ServerKind kind)
    {
        const int entries = 500;
        await using var server = await TestServer.StartAsync(kind);

        // A backlog before start: the loop reads it with several plain reads in flight at once.
        var ids = (await Task.WhenAll(Enumerable.Range(0, entries).Select(i => server.Db.StreamAddAsync("eng:order", "data", $"o{i}"))))
            .Select(id => (string)id!).ToArray();

        await using var host = await TestHost.StartAsync<EngineOrderedHandlers>(server.Server, output, s => s.AddSingleton<Probe<string>>());
        var probe = host.Get<Probe<string>>();

        await probe.WaitForCountAsync(entries, $"all {entries} entries were handled");
        await EnginePending.WaitUntilEmptyAsync(server.Db, "eng:order", "g-order", "all were acknowledged");

        // The ids as the server returned them to the pipelined XADDs, which is the stream's order; XRANGE agrees.
        Assert.Equal(ids, probe.Snapshot());
        Assert.Equal((await server.Db.StreamRangeAsync("eng:order")).Select(e => (string)e.Id!), probe.Snapshot());
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Concurrency_8_runs_eight_entries_of_a_backlog_at_once_and_never_more(ServerKind kind)
    {
        const int entries = 40;
        await using var server = await TestServer.StartAsync(kind);
        await Task.WhenAll(Enumerable.Range(0, entries).Select(i => server.Db.StreamAddAsync("eng:parallel", "data", $"p{i}")));

        await using var host = await TestHost.StartAsync<EngineParallelHandlers>(server.Server, output, s => s.AddSingleton<InFlightGate>());
        var gate = host.Get<InFlightGate>();
        try
        {
            await gate.Entered.WaitUntilAsync(
                counts => counts.Contains(EngineParallelHandlers.Concurrency), "eight handlers were in flight at once", TimeSpan.FromSeconds(10));
            Assert.Equal(EngineParallelHandlers.Concurrency, gate.Entered.Count);
        }
        finally
        {
            gate.Open();
        }

        await gate.Finished.WaitForCountAsync(entries, "every entry finished");
        await EnginePending.WaitUntilEmptyAsync(server.Db, "eng:parallel", "g-parallel", "all were acknowledged");
        Assert.Equal(EngineParallelHandlers.Concurrency, gate.MaxInFlight);
        Assert.Equal(entries, gate.Finished.Snapshot().Distinct().Count());
    }
}
