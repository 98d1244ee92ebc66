using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class ConfiguredHandlers
{
    [StreamHandler("rt:bound", Group = "g-bound")]
    public static void Handle(string message, StreamMessageContext context, Probe<HandledBy> probe) =>
        probe.Add(new HandledBy(context.Id, context.Consumer, message));
}

public sealed class RegisteredConnectionHandlers
{
    [StreamHandler("rt:registered", Group = "g-registered")]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe) =>
        probe.Add(new Called(context.Id, message));
}

/// <summary>Options: validated at start-up with messages that name the option, bound from configuration, or replaced by a registered connection.</summary>
public sealed class OptionsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Start_fails_naming_Configuration_when_there_is_no_configuration_and_no_connection()
    {
        await using var host = TestHost.Build<OptionsTests>(server: null, output);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Contains("StreamHandlersOptions.Configuration", error.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(StreamHandlersOptions), error.OptionsType);
    }

    [Fact]
    public async Task Start_fails_naming_ShutdownTimeout_when_it_is_negative()
    {
        await using var host = TestHost.Build<OptionsTests>(server: null, output, options: o =>
        {
            o.Configuration = "127.0.0.1:1";
            o.ShutdownTimeout = TimeSpan.FromSeconds(-1);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Contains("ShutdownTimeout", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("StreamHandlersOptions.Configuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_fails_naming_the_stream_and_MaxLength_when_a_policy_has_MaxLength_0()
    {
        await using var host = TestHost.Build<OptionsTests>(server: null, output, options: o =>
        {
            o.Configuration = "127.0.0.1:1";
            o.Stream("rt:zero", p => p.MaxLength = 0);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Contains("rt:zero", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxLength", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Options_bound_from_configuration_are_used(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var logs = new LogSink();
        var builder = TestHost.CreateBuilder(logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StreamHandlers:Configuration"] = server.Server.ConnectionString,
            ["StreamHandlers:ConsumerName"] = "bound-consumer",
            ["StreamHandlers:ShutdownTimeout"] = "00:00:07",
            ["StreamHandlers:Streams:s1:MaxLength"] = "100",
            ["StreamHandlers:Streams:s1:MaxAge"] = "01:00:00",
        });
        builder.Services.AddSingleton<Probe<HandledBy>>();
        builder.Services.AddStreamHandlers(builder.Configuration.GetSection("StreamHandlers"), o => o.HandlerFilter = h => h.HandlerType == typeof(ConfiguredHandlers));
        await using var host = TestHost.Build(builder, logs, output);

        var options = host.Get<IOptions<StreamHandlersOptions>>().Value;
        Assert.Equal(server.Server.ConnectionString, options.Configuration);
        Assert.Equal("bound-consumer", options.ConsumerName);
        Assert.Equal(TimeSpan.FromSeconds(7), options.ShutdownTimeout);
        var policy = Assert.Single(options.Streams);
        Assert.Equal("s1", policy.Key);
        Assert.Equal(100, policy.Value.MaxLength);
        Assert.Equal(TimeSpan.FromHours(1), policy.Value.MaxAge);

        // And the host runs on them: the bound connection string and consumer name, the bound stream policy.
        await host.StartAsync();
        var probe = host.Get<Probe<HandledBy>>();
        var id = await host.Streams.PublishAsync("rt:bound", "hello");
        var seen = await probe.WaitForAsync(r => r.Id == id, "the entry was handled by the host configured from IConfiguration");
        Assert.Equal("bound-consumer", seen.Consumer);
        Assert.Contains(await server.Db.StreamConsumerInfoAsync("rt:bound", "g-bound"), c => c.Name == "bound-consumer");

        for (var i = 0; i < 1000; i++)
        {
            await host.Streams.PublishAsync("s1", i);
        }

        Assert.InRange(await server.Db.StreamLengthAsync("s1"), 100, 300);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_registered_IConnectionMultiplexer_is_used_when_Configuration_is_null(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var options = ConfigurationOptions.Parse(server.Server.ConnectionString);
        options.ClientName = "registered-by-the-app";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);

        await using var host = await TestHost.StartAsync<RegisteredConnectionHandlers>(server: null, output, s => s
            .AddSingleton<IConnectionMultiplexer>(connection)
            .AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();
        Assert.Null(host.Options.Configuration);

        var id = await host.Streams.PublishAsync("rt:registered", "via the app's connection");
        await probe.WaitForAsync(c => c.Id == id, "the entry was handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:registered", "g-registered") == 0, TimeSpan.FromSeconds(10), "the entry was acknowledged");

        // StreamHandlers made no shared connection of its own: only its dedicated readers besides the app's.
        var clients = await server.Connection.GetServer(server.Server.Host, server.Server.Port).ClientListAsync();
        Assert.Contains(clients, c => c.Name == "registered-by-the-app");
        Assert.DoesNotContain(clients, c => c.Name == "StreamHandlers");
        Assert.True(connection.IsConnected, "the app's connection is the app's to close");
    }
}
