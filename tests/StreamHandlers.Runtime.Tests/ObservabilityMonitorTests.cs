using System;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>IStreamMonitor reports what XLEN and XINFO GROUPS say, after a setup whose figures are known.</summary>
public sealed class ObservabilityMonitorTests(ITestOutputHelper output)
{
    private const string Stream = "obs:monitor";

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Monitor_reports_length_groups_consumers_pending_and_lag_exactly_as_XINFO_does(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var db = server.Db;

        // 10 entries; A at 0 reads 4 by hand as c1 and acknowledges 1; B at 0 never reads; C at $.
        var ids = new string[10];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (string)(await db.StreamAddAsync(Stream, "data", $"m{i}"))!;
        }

        Assert.True(await db.StreamCreateConsumerGroupAsync(Stream, "A", "0"));
        Assert.True(await db.StreamCreateConsumerGroupAsync(Stream, "B", "0"));
        Assert.True(await db.StreamCreateConsumerGroupAsync(Stream, "C", "$"));
        var read = await db.StreamReadGroupAsync(Stream, "A", "c1", ">", count: 4);
        Assert.Equal(ids.Take(4), read.Select(e => (string)e.Id!));
        Assert.Equal(1, await db.StreamAcknowledgeAsync(Stream, "A", ids[0]));

        // No handlers of this class: the host only provides the monitor.
        await using var host = await TestHost.StartAsync<ObservabilityMonitorTests>(server.Server, output);
        var monitor = host.Get<IStreamMonitor>();

        var health = await monitor.GetHealthAsync(Stream).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Stream, health.Stream);
        Assert.Equal(10, health.Length);
        Assert.Equal(["A", "B", "C"], health.Groups.Select(g => g.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3, health.GroupCount);
        Assert.Equal(1, health.ConsumerCount);
        Assert.Equal(3, health.Pending);

        var a = health.Groups.Single(g => g.Name == "A");
        var b = health.Groups.Single(g => g.Name == "B");
        var c = health.Groups.Single(g => g.Name == "C");
        Assert.Equal(new GroupHealth("A", 1, 3, 6, ids[3]), a);
        Assert.Equal(new GroupHealth("B", 0, 0, 10, "0-0"), b);
        Assert.Equal(new GroupHealth("C", 0, 0, 0, ids[9]), c);

        // The same figures as the server's own reply to XINFO GROUPS, read raw …
        var raw = await ObservabilityKit.XInfoGroupsAsync(db, Stream);
        Assert.Equal(3, raw.Count);
        foreach (var group in raw)
        {
            var name = (string)group["name"]!;
            var reported = health.Groups.Single(g => g.Name == name);
            Assert.Equal((int)group["consumers"], reported.Consumers);
            Assert.Equal((long)group["pending"], reported.Pending);
            Assert.Equal((long?)group["lag"], reported.Lag);
            Assert.Equal((string)group["last-delivered-id"]!, reported.LastDeliveredId);
        }

        // … and as StackExchange.Redis reads them.
        var infos = await db.StreamGroupInfoAsync(Stream);
        Assert.Equal(3, infos.Length);
        foreach (var info in infos)
        {
            var reported = health.Groups.Single(g => g.Name == info.Name);
            Assert.Equal(info.ConsumerCount, reported.Consumers);
            Assert.Equal(info.PendingMessageCount, reported.Pending);
            Assert.Equal(info.Lag, reported.Lag);
            Assert.Equal(info.LastDeliveredId, reported.LastDeliveredId);
        }

        Assert.Equal(10, await db.StreamLengthAsync(Stream));

        var text = health.ToString();
        output.WriteLine(text);
        Assert.Contains(Stream, text, StringComparison.Ordinal);
        Assert.Contains("length 10", text, StringComparison.Ordinal);
        Assert.Contains("3 group(s)", text, StringComparison.Ordinal);
        Assert.Contains("1 consumer(s)", text, StringComparison.Ordinal);
        Assert.Contains("3 pending", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Monitor_reports_a_stream_that_does_not_exist_as_empty(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ObservabilityMonitorTests>(server.Server, output);
        var monitor = host.Get<IStreamMonitor>();
        Assert.False(await server.Db.KeyExistsAsync("obs:monitor:absent"));

        var health = await monitor.GetHealthAsync("obs:monitor:absent").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("obs:monitor:absent", health.Stream);
        Assert.Equal(0, health.Length);
        Assert.Empty(health.Groups);
        Assert.Equal(0, health.GroupCount);
        Assert.Equal(0, health.ConsumerCount);
        Assert.Equal(0, health.Pending);
        Assert.Contains("obs:monitor:absent: length 0", health.ToString(), StringComparison.Ordinal);

        // Asking did not create it.
        Assert.False(await server.Db.KeyExistsAsync("obs:monitor:absent"));
    }
}
