using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class Resp3Handlers
{
    [StreamHandler("rt:resp3", Group = "g", Start = StreamStart.Beginning)]
    public static void Handle(string data, StreamMessageContext context, Probe<SeenRaw> probe) =>
        probe.Add(new SeenRaw("resp3", context.Id, data, context.Entry.Values));
}

/// <summary>
/// The blocking read is a raw XREADGROUP whose reply the engine parses itself: RESP3 answers it with a map where
/// RESP2 has an array of pairs. Both shapes must reach the handler the same.
/// </summary>
public sealed class Resp3Tests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Entries_read_over_RESP3_reach_the_handler_with_all_fields(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);

        // Written before the host starts, then read through the backlog path; one more after start-up, through the
        // blocking read, which is the raw command.
        var before = (string)(await server.Db.StreamAddAsync("rt:resp3", [new NameValueEntry("data", "before"), new NameValueEntry("x", "1")]))!;
        await using var host = await TestHost.StartAsync<Resp3Handlers>(
            server.Server,
            output,
            s => s.AddSingleton<Probe<SeenRaw>>(),
            o => o.Configuration = server.Server.ConnectionString + ",protocol=resp3");
        var probe = host.Get<Probe<SeenRaw>>();
        await probe.WaitForCountAsync(1, "the entry added before start-up was handled");

        var after = (string)(await server.Db.StreamAddAsync("rt:resp3", [new NameValueEntry("data", "after"), new NameValueEntry("y", "2")]))!;
        var seen = await probe.WaitForCountAsync(2, "the entry added after start-up was handled");

        Assert.Equal([before, after], seen.Select(s => s.Id));
        Assert.Equal(["before", "after"], seen.Select(s => s.Data));
        Assert.Equal(("y", "2"), ((string)seen[1].Fields[1].Name!, (string)seen[1].Fields[1].Value!));
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:resp3", "g") == 0, TimeSpan.FromSeconds(10), "both entries were acknowledged");

        // The host's connections really speak RESP3.
        var clients = (string)(await server.Db.ExecuteAsync("CLIENT", "LIST"))!;
        Assert.Contains(clients.Split('\n'), line => line.Contains("name=StreamHandlers:rt:resp3/g", StringComparison.Ordinal) && line.Contains("resp=3", StringComparison.Ordinal));
    }
}
