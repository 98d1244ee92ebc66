using System;
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

public sealed class PubSubShutdownSignals
{
    public Probe<string> Entered { get; } = new();

    public Probe<string> Cancelled { get; } = new();
}

public sealed class PubSubShutdownSubscribers
{
    [ChannelSubscriber("ps:shutdown")]
    public static async Task OnAsync(string message, PubSubShutdownSignals signals, CancellationToken cancellationToken)
    {
        signals.Entered.Add(message);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            signals.Cancelled.Add(message);
            throw;
        }
    }
}

/// <summary>A subscriber still busy when the host stops: its token is cancelled after the shutdown timeout, and the warning says who.</summary>
public sealed class PubSubShutdownTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_subscriber_busy_past_the_shutdown_timeout_has_its_token_cancelled_and_is_named_in_the_warning(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<PubSubShutdownSubscribers>(
            server.Server,
            output,
            s => s.AddSingleton<PubSubShutdownSignals>(),
            o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var signals = host.Get<PubSubShutdownSignals>();

        Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal("ps:shutdown"), "busy"));
        await signals.Entered.WaitForCountAsync(1, "the handler is running");

        var clock = Stopwatch.StartNew();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            await host.StopAsync(timeout.Token);
        }

        output.WriteLine($"Stopped in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(["busy"], await signals.Cancelled.WaitForCountAsync(1, "the handler's token was cancelled after the shutdown timeout"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));

        var warning = Assert.Single(host.Logs.Lines, l => l.EventId.Id == 32);
        Assert.Contains("PubSubShutdownSubscribers.OnAsync", warning.Message, StringComparison.Ordinal);
    }
}
