using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>A handler's progress through a shutdown, and the signal that lets it finish.</summary>
public sealed class ShutdownProbe
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Probe<string> Started { get; } = new();

    public Probe<string> Finished { get; } = new();

    /// <summary>Completes when a handler's cancellation token was cancelled.</summary>
    public TaskCompletionSource TokenCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Released => _release.Task;

    public void Release() => _release.TrySetResult();

    /// <summary>Ends a handler that ignores its token with a failure, so that nothing is acknowledged after the test.</summary>
    public void Abandon() => _release.TrySetException(new OperationCanceledException("abandoned by the test"));
}

public sealed class GracefulShutdownHandlers
{
    [StreamHandler("rt:stop", Group = "g-stop")]
    public static async Task HandleAsync(string message, ShutdownProbe probe, CancellationToken cancellationToken)
    {
        probe.Started.Add(message);
        await probe.Released.WaitAsync(cancellationToken);
        probe.Finished.Add(message);
    }
}

public sealed class CancelledShutdownHandlers
{
    [StreamHandler("rt:hang", Group = "g-hang")]
    public static async Task HandleAsync(string message, ShutdownProbe probe, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() => probe.TokenCancelled.TrySetResult());
        probe.Started.Add(message);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        probe.Finished.Add(message);
    }
}

public sealed class StubbornShutdownHandlers
{
    [StreamHandler("rt:stubborn", Group = "g-stubborn")]
    public static async Task HandleAsync(string message, ShutdownProbe probe, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() => probe.TokenCancelled.TrySetResult());
        probe.Started.Add(message);

        // Ignores its token: only the test ends it.
        await probe.Released;
        probe.Finished.Add(message);
    }
}

/// <summary>Shutdown: reading stops at once, in-flight handlers get ShutdownTimeout, then their tokens are cancelled.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task In_flight_handler_finishes_and_is_acknowledged_and_nothing_more_is_read(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<GracefulShutdownHandlers>(
            server.Server,
            output,
            s => s
                .AddSingleton<ShutdownProbe>()
                .AddSingleton<StopSignal>()
                .AddHostedService(sp => sp.GetRequiredService<StopSignal>())
                .Configure<HostOptions>(o => o.ServicesStopConcurrently = true),
            o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var probe = host.Get<ShutdownProbe>();
        var stopSignal = host.Get<StopSignal>();

        var first = await host.Streams.PublishAsync("rt:stop", "in flight");
        await probe.Started.WaitForCountAsync(1, "the handler is in flight");

        var clock = Stopwatch.StartNew();
        var stopping = host.StopAsync();
        await stopSignal.Stopping.WaitAsync(TimeSpan.FromSeconds(10));

        // Stop has begun. The host stops its services concurrently, so wait until this host's blocking read is gone
        // from the server (its connection is closed once the read is ended): from then on reading has stopped, and
        // an entry added now is left for the next start.
        await Wait.UntilAsync(
            async () => !((string)(await server.Db.ExecuteAsync("CLIENT", "LIST"))!).Contains("name=StreamHandlers:rt:stop/g-stop", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "the host's blocking read on rt:stop has ended");
        var late = (string)(await server.Db.StreamAddAsync("rt:stop", "data", "too late"))!;
        Assert.False(stopping.IsCompleted, "StopAsync waits for the handler in flight");

        probe.Release();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopped within ShutdownTimeout (took {clock.Elapsed})");

        Assert.Equal(["in flight"], probe.Finished.Snapshot());
        Assert.Equal(["in flight"], probe.Started.Snapshot());
        Assert.False(probe.TokenCancelled.Task.IsCompleted);

        Assert.Equal(0, await ServerState.PendingAsync(server.Db, "rt:stop", "g-stop"));
        var group = await ServerState.GroupAsync(server.Db, "rt:stop", "g-stop");
        Assert.Equal(first, (string?)group.LastDeliveredId);
        Assert.Equal(2, await server.Db.StreamLengthAsync("rt:stop"));
        Assert.NotEqual(first, late);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task After_ShutdownTimeout_the_handler_token_is_cancelled_and_its_entry_stays_pending(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<CancelledShutdownHandlers>(
            server.Server, output, s => s.AddSingleton<ShutdownProbe>(), o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var probe = host.Get<ShutdownProbe>();

        var id = await host.Streams.PublishAsync("rt:hang", "never finishes");
        await probe.Started.WaitForCountAsync(1, "the handler is in flight");

        var clock = Stopwatch.StartNew();
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"StopAsync took {clock.Elapsed}");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.True(probe.TokenCancelled.Task.IsCompleted, "the handler's token was cancelled after ShutdownTimeout");
        Assert.Equal(0, probe.Finished.Count);

        var pending = Assert.Single(await server.Db.StreamPendingMessagesAsync("rt:hang", "g-hang", 10, RedisValue.Null));
        Assert.Equal(id, (string?)pending.MessageId);
        Assert.Equal(host.Options.ConsumerName, (string?)pending.ConsumerName);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_handler_that_ignores_its_token_does_not_hold_StopAsync_past_the_host_deadline(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var probe = new ShutdownProbe();
        try
        {
            await using var host = await TestHost.StartAsync<StubbornShutdownHandlers>(
                server.Server,
                output,
                s => s.AddSingleton(probe).Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3)),
                o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));

            var id = await host.Streams.PublishAsync("rt:stubborn", "ignores its token");
            await probe.Started.WaitForCountAsync(1, "the handler is in flight");

            var clock = Stopwatch.StartNew();
            await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));
            output.WriteLine($"StopAsync took {clock.Elapsed}");
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(6));
            Assert.True(probe.TokenCancelled.Task.IsCompleted, "the handler's token was cancelled after ShutdownTimeout");

            var pending = Assert.Single(await server.Db.StreamPendingMessagesAsync("rt:stubborn", "g-stubborn", 10, RedisValue.Null));
            Assert.Equal(id, (string?)pending.MessageId);

            // Ends the handler (with a failure, so nothing is acknowledged) before the host is disposed.
            probe.Abandon();
        }
        finally
        {
            probe.Abandon();
        }
    }
}
