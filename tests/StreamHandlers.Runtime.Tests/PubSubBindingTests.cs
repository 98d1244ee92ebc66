using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed record PubSubOrder(string Id, decimal Amount, DateTimeOffset At);

/// <summary>A scoped service: one per message scope, disposed with it.</summary>
public sealed class PubSubScopedService(Probe<Guid> disposed) : IDisposable
{
    public Guid Id { get; } = Guid.NewGuid();

    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        IsDisposed = true;
        disposed.Add(Id);
    }
}

/// <summary>What the binding subscriber was given.</summary>
public sealed record PubSubBound(PubSubOrder Order, string Channel, string? Pattern, Guid ScopeId, bool ScopeDisposedDuringCall, bool SameScopeAsHandler, bool TokenCanBeCanceled, bool TokenCancelled);

/// <summary>An instance subscriber, built from DI in the message's scope, with parameters in an unusual order.</summary>
public sealed class PubSubBindingSubscribers(PubSubScopedService fromConstructor, Probe<PubSubBound> probe)
{
    [ChannelSubscriber("ps:bind")]
    public async Task OnAsync(PubSubOrder order, PubSubScopedService scoped, CancellationToken cancellationToken, ChannelMessageContext context)
    {
        await Task.Yield();
        probe.Add(new PubSubBound(
            order,
            context.Channel,
            context.Pattern,
            scoped.Id,
            scoped.IsDisposed,
            ReferenceEquals(scoped, fromConstructor),
            cancellationToken.CanBeCanceled,
            cancellationToken.IsCancellationRequested));
    }
}

public sealed class PubSubAlwaysThrowingSubscribers
{
    [ChannelSubscriber("ps:throw")]
    public static void On(string message, Probe<string> attempts)
    {
        attempts.Add(message);
        throw new InvalidOperationException($"subscriber failed on purpose on '{message}'");
    }
}

/// <summary>Holds no handlers: a host that only publishes.</summary>
public sealed class PubSubNoSubscribers
{
}

/// <summary>Pub/Sub binding (JSON, context, scoped services, token), publishing, and a subscriber that always fails.</summary>
public sealed class PubSubBindingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_json_subscriber_gets_the_record_its_context_a_scoped_service_and_a_live_token(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        using var metrics = new PubSubMetrics("ps:bind");
        await using var host = await TestHost.StartAsync<PubSubBindingSubscribers>(server.Server, output, s => s
            .AddSingleton<Probe<PubSubBound>>()
            .AddSingleton<Probe<Guid>>()
            .AddScoped<PubSubScopedService>());
        var probe = host.Get<Probe<PubSubBound>>();
        var disposed = host.Get<Probe<Guid>>();

        // A test-side subscription sees what the publisher writes on the wire.
        var wire = await server.Connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal("ps:bind"));
        var first = new PubSubOrder("o-1", 12.50m, new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)));
        Assert.Equal(2, await host.Channels.PublishAsync("ps:bind", first));
        using (var read = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            var onTheWire = await wire.ReadAsync(read.Token);
            using var json = JsonDocument.Parse((string)onTheWire.Message!);
            Assert.Equal("o-1", json.RootElement.GetProperty("id").GetString());
            Assert.Equal(12.50m, json.RootElement.GetProperty("amount").GetDecimal());
            Assert.Equal(first.At, json.RootElement.GetProperty("at").GetDateTimeOffset());
        }

        await wire.UnsubscribeAsync();

        // Invalid JSON is a counted failure that does not end the subscription; a producer's hand-written JSON binds.
        Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal("ps:bind"), "{not json"));
        Assert.Equal(1, await server.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal("ps:bind"), """{"id":"o-2","amount":3,"at":"2025-01-02T03:04:05Z"}"""));

        var seen = await probe.WaitForCountAsync(2, "both valid messages were handled");
        Assert.Equal(first, seen[0].Order);
        Assert.Equal(new PubSubOrder("o-2", 3m, new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)), seen[1].Order);
        Assert.All(seen, b =>
        {
            Assert.Equal("ps:bind", b.Channel);
            Assert.Null(b.Pattern);
            Assert.False(b.ScopeDisposedDuringCall);
            Assert.True(b.SameScopeAsHandler, "the handler instance and its parameter came from the same message scope");
            Assert.True(b.TokenCanBeCanceled);
            Assert.False(b.TokenCancelled);
        });

        // A scope per message, disposed after its handler.
        Assert.NotEqual(seen[0].ScopeId, seen[1].ScopeId);
        await disposed.WaitUntilAsync(ids => ids.Contains(seen[0].ScopeId) && ids.Contains(seen[1].ScopeId), "both message scopes were disposed");

        await Wait.UntilAsync(() => metrics.Failed == 1, TimeSpan.FromSeconds(15), $"the invalid message was counted as failed ({metrics})");
        Assert.Equal(3, metrics.Received);
        Assert.Equal(0, metrics.Dropped);
        Assert.Contains(host.Logs.Lines, l => l.EventId.Id == 41 && l.Exception is not null && l.Message.Contains("ps:bind", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_subscriber_that_throws_on_every_message_is_called_for_each_counted_and_logged_rate_limited(ServerKind kind)
    {
        const int messages = 50;
        await using var server = await TestServer.StartAsync(kind);
        using var metrics = new PubSubMetrics("ps:throw");
        await using var host = await TestHost.StartAsync<PubSubAlwaysThrowingSubscribers>(server.Server, output, s => s.AddSingleton<Probe<string>>());
        var attempts = host.Get<Probe<string>>();
        var started = DateTime.UtcNow;

        var subscriber = server.Connection.GetSubscriber();
        for (var i = 0; i < messages; i++)
        {
            Assert.Equal(1, await subscriber.PublishAsync(RedisChannel.Literal("ps:throw"), $"m{i}"));
        }

        var seen = await attempts.WaitForCountAsync(messages, "the handler was called for every message");
        Assert.Equal(Enumerable.Range(0, messages).Select(i => $"m{i}"), seen);
        await Wait.UntilAsync(() => metrics.Failed >= messages, TimeSpan.FromSeconds(15), $"every failure was counted ({metrics})");
        Assert.Equal(messages, metrics.Failed);
        Assert.Equal(messages, metrics.Received);

        // Still subscribed after 50 failures.
        Assert.Equal(1, await subscriber.PublishAsync(RedisChannel.Literal("ps:throw"), "still alive"));
        await attempts.WaitForAsync(m => m == "still alive", "a message after the failures reached the handler");
        await Wait.UntilAsync(() => metrics.Failed == messages + 1, TimeSpan.FromSeconds(15), $"that failure was counted too ({metrics})");

        // Logged, with the exception, but rate-limited (one line per 10 s), not once per message.
        var errors = host.Logs.Lines.Where(l => l.EventId.Id == 41).ToList();
        var elapsed = DateTime.UtcNow - started;
        output.WriteLine($"{messages + 1} failures in {elapsed.TotalMilliseconds:0} ms logged {errors.Count} time(s)");
        Assert.InRange(errors.Count, 1, 2 + (int)(elapsed.TotalSeconds / 10));
        Assert.All(errors, l =>
        {
            Assert.Equal(LogLevel.Error, l.Level);
            Assert.IsType<InvalidOperationException>(l.Exception);
        });
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Publishing_to_a_channel_nobody_subscribes_returns_0_and_does_not_throw(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<PubSubNoSubscribers>(server.Server, output);

        Assert.Equal(0, await host.Channels.PublishAsync("ps:nobody", "text"));
        Assert.Equal(0, await host.Channels.PublishAsync("ps:nobody", new PubSubOrder("o-0", 1m, DateTimeOffset.UnixEpoch)));

        // Counted by the server as published to nobody: there is no subscriber of that channel at all.
        var numsub = (RedisResult[]?)await server.Db.ExecuteAsync("PUBSUB", "NUMSUB", "ps:nobody");
        Assert.Equal(0, (long)numsub![1]);
        Assert.DoesNotContain(host.Logs.AtLeast(LogLevel.Error), _ => true);
    }
}
