using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class ObservabilityHealthHandlers
{
    public const string Stream = "obs:health";
    public const string Group = "g-obs-health";

    // One entry per read keeps the read-ahead small, so that a held handler leaves entries unread (lag).
    [StreamHandler(Stream, Group = Group, BatchSize = 1)]
    public static Task Handle(string message, ObservabilityGate gate, CancellationToken cancellationToken) =>
        gate.PassAsync(message, cancellationToken);
}

/// <summary>The health check: Healthy, Degraded over the lag threshold, Unhealthy without a server, and never hanging.</summary>
public sealed class ObservabilityHealthCheckTests(ITestOutputHelper output)
{
    private const string Stream = ObservabilityHealthHandlers.Stream;
    private const string Group = ObservabilityHealthHandlers.Group;
    private const long MaxLag = 5;
    private const long MaxPending = 500;

    /// <summary>How long a check may take beyond its own 1 s timeout before the test calls it hanging.</summary>
    private static readonly TimeSpan CheckBound = TimeSpan.FromSeconds(1.5);

    /// <summary>How long a paused server does not answer: beyond the check's bound, within the fixture's 5 s connect timeout.</summary>
    private static readonly TimeSpan PauseLength = TimeSpan.FromSeconds(4);

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Healthy_then_Degraded_over_MaxLag_then_Healthy_again_then_Unhealthy_when_the_server_dies(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var gate = new ObservabilityGate(open: true);
        await using var host = await TestHost.StartAsync<ObservabilityHealthHandlers>(
            server.Server,
            output,
            s =>
            {
                s.AddSingleton(gate);
                s.AddHealthChecks().AddStreamHandlers(o =>
                {
                    o.MaxLag = MaxLag;
                    o.MaxPending = MaxPending;
                    o.Timeout = TimeSpan.FromSeconds(1);
                });
            });
        var checks = host.Get<HealthCheckService>();
        var db = server.Db;

        try
        {
            // Within the thresholds: a few entries handled, nothing pending, no lag.
            for (var i = 0; i < 3; i++)
            {
                await host.Streams.PublishAsync(Stream, $"warm-{i}");
            }

            await gate.Finished.WaitForCountAsync(3, "the first three entries were handled");
            await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, Stream, Group) == 0, TimeSpan.FromSeconds(10), "nothing is pending");

            var healthy = await CheckAsync(checks);
            Assert.Equal(HealthStatus.Healthy, healthy.Status);
            Assert.Equal(0L, Convert.ToInt64(healthy.Data[$"{Stream}/{Group}.lag"]));
            Assert.Equal(0L, Convert.ToInt64(healthy.Data[$"{Stream}/{Group}.pending"]));
            Assert.True(healthy.Data.ContainsKey("ping.ms"));

            // Held: the handler holds one entry, and MaxLag + 5 entries more than it reads ahead arrive.
            gate.Close();
            await host.Streams.PublishAsync(Stream, "held");
            await gate.Entered.WaitForCountAsync(4, "the handler holds an entry");
            const int added = 64 + (int)MaxLag + 5;
            for (var i = 0; i < added; i++)
            {
                await db.StreamAddAsync(Stream, "data", $"m{i}");
            }

            var state = await ObservabilityKit.StableGroupAsync(db, Stream, Group, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(15), "the held group's state settles");
            output.WriteLine($"held: lag {state.Lag}, pending {state.PendingMessageCount}");
            Assert.True(state.Lag > MaxLag, $"the held group lags more than {MaxLag} (lag {state.Lag}, pending {state.PendingMessageCount})");
            Assert.True(state.PendingMessageCount <= MaxPending);
            Assert.Equal(added + 1, state.Lag + state.PendingMessageCount);

            var degraded = await CheckAsync(checks);
            output.WriteLine(degraded.Description);
            Assert.Equal(HealthStatus.Degraded, degraded.Status);
            Assert.Equal($"group '{Group}' of '{Stream}' lags {state.Lag} entries behind (more than {MaxLag})", degraded.Description);
            Assert.Equal(state.Lag, Convert.ToInt64(degraded.Data[$"{Stream}/{Group}.lag"]));
            Assert.Equal(state.PendingMessageCount, Convert.ToInt64(degraded.Data[$"{Stream}/{Group}.pending"]));

            // Released: the group catches up and the check is Healthy again.
            gate.Open();
            await Wait.UntilAsync(
                async () =>
                {
                    var info = await ServerState.GroupAsync(db, Stream, Group);
                    return info.Lag == 0 && info.PendingMessageCount == 0;
                },
                TimeSpan.FromSeconds(15),
                "the released group caught up");
            Assert.Equal(HealthStatus.Healthy, (await CheckAsync(checks)).Status);

            // The server dies: Unhealthy within the check's timeout, not a hang.
            await server.Server.KillAsync();
            var clock = Stopwatch.StartNew();
            var unhealthy = await CheckAsync(checks);
            clock.Stop();
            output.WriteLine($"{unhealthy.Status} after {clock.ElapsedMilliseconds} ms: {unhealthy.Description}");
            Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
            Assert.StartsWith("The server does not answer", unhealthy.Description, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1) + CheckBound, $"the check took {clock.Elapsed}");
        }
        finally
        {
            gate.Open();
        }
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Unhealthy_within_the_timeout_when_a_connected_server_stops_answering(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var gate = new ObservabilityGate(open: true);
        await using var host = await TestHost.StartAsync<ObservabilityHealthHandlers>(
            server.Server,
            output,
            s =>
            {
                s.AddSingleton(gate);
                s.AddHealthChecks().AddStreamHandlers(o => o.Timeout = TimeSpan.FromSeconds(1));
            });
        var checks = host.Get<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(checks)).Status);

        // The server hangs: it accepts connections and commands but answers nothing until the pause ends.
        await PauseAsync(server);
        var clock = Stopwatch.StartNew();
        var report = await CheckAsync(checks);
        clock.Stop();
        output.WriteLine($"{report.Status} after {clock.ElapsedMilliseconds} ms: {report.Description}");

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1) + CheckBound, $"a check with a 1 s timeout took {clock.Elapsed}");
        await EndOfPauseAsync(server);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Unhealthy_within_the_timeout_when_the_check_is_the_first_to_connect_to_a_server_that_does_not_answer(ServerKind kind)
    {
        // A host that runs no handlers of its own does not connect by itself: the check is the first to connect.
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ObservabilityHealthCheckTests>(
            server.Server,
            output,
            s => s.AddHealthChecks().AddStreamHandlers(o => o.Timeout = TimeSpan.FromSeconds(1)));
        var checks = host.Get<HealthCheckService>();

        // The server hangs: the TCP connection is accepted, the handshake is never answered (connectTimeout is 5 s).
        await PauseAsync(server);
        var clock = Stopwatch.StartNew();
        var report = await CheckAsync(checks);
        clock.Stop();
        output.WriteLine($"{report.Status} after {clock.ElapsedMilliseconds} ms: {report.Description}");

        try
        {
            Assert.Equal(HealthStatus.Unhealthy, report.Status);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1) + CheckBound, $"a check with a 1 s timeout took {clock.Elapsed}");
        }
        finally
        {
            await EndOfPauseAsync(server);
        }
    }

    /// <summary>CLIENT PAUSE … ALL: every client's commands (PING too) wait until the pause ends.</summary>
    private static async Task PauseAsync(TestServer server) =>
        Assert.Equal("OK", (string?)await server.Db.ExecuteAsync("CLIENT", "PAUSE", (long)PauseLength.TotalMilliseconds, "ALL"));

    /// <summary>Waits out the pause (the admin connection's own PING is held until it ends), so that the host stops promptly.</summary>
    private static async Task EndOfPauseAsync(TestServer server) =>
        await server.Db.PingAsync().WaitAsync(PauseLength + TimeSpan.FromSeconds(10));

    /// <summary>Runs every registered check (only ours) and returns ours; fails rather than hangs.</summary>
    private static async Task<HealthReportEntry> CheckAsync(HealthCheckService checks)
    {
        var report = await checks.CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(15));
        return Assert.Single(report.Entries, e => e.Key == "streamhandlers").Value;
    }
}
