using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>Which consumer handled which entry.</summary>
public sealed record HandledBy(string Id, string Consumer, string Message);

public sealed class ConsumerNameHandlers
{
    [StreamHandler("rt:consumers", Group = "g-consumers")]
    public static void Handle(string message, StreamMessageContext context, Probe<HandledBy> probe) =>
        probe.Add(new HandledBy(context.Id, context.Consumer, message));
}

/// <summary>Default consumer names are unique per host, and are the names the server knows the consumers by.</summary>
public sealed class ConsumerNameTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hosts_in_one_process_have_different_default_consumer_names()
    {
        // Resolving the options validates them, so they need a connection string; nothing connects.
        await using var first = TestHost.Build<ConsumerNameTests>(server: null, output, options: o => o.Configuration = "127.0.0.1:1");
        await using var second = TestHost.Build<ConsumerNameTests>(server: null, output, options: o => o.Configuration = "127.0.0.1:1");

        Assert.False(string.IsNullOrWhiteSpace(first.Options.ConsumerName));
        Assert.NotEqual(first.Options.ConsumerName, second.Options.ConsumerName);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), first.Options.ConsumerName, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task ConsumerName_is_the_consumer_in_the_group(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var first = await TestHost.StartAsync<ConsumerNameHandlers>(server.Server, output, s => s.AddSingleton<Probe<HandledBy>>());
        await using var second = await TestHost.StartAsync<ConsumerNameHandlers>(server.Server, output, s => s.AddSingleton<Probe<HandledBy>>());
        var names = new[] { first.Options.ConsumerName, second.Options.ConsumerName };
        Assert.NotEqual(names[0], names[1]);

        // Entries go to whichever consumer is blocked first, so both hosts get some: one at a time until each has one.
        var firstProbe = first.Get<Probe<HandledBy>>();
        var secondProbe = second.Get<Probe<HandledBy>>();
        for (var i = 0; i < 50 && (firstProbe.Count == 0 || secondProbe.Count == 0); i++)
        {
            var id = await first.Streams.PublishAsync("rt:consumers", $"entry {i}");
            await Wait.UntilAsync(() => firstProbe.Snapshot().Concat(secondProbe.Snapshot()).Any(r => r.Id == id), TimeSpan.FromSeconds(10), $"entry {i} was handled by one of the hosts");
        }

        Assert.NotEqual(0, firstProbe.Count);
        Assert.NotEqual(0, secondProbe.Count);
        Assert.All(firstProbe.Snapshot(), r => Assert.Equal(names[0], r.Consumer));
        Assert.All(secondProbe.Snapshot(), r => Assert.Equal(names[1], r.Consumer));

        // XINFO CONSUMERS: the group's consumers are exactly the two hosts' ConsumerName values.
        var consumers = await server.Db.StreamConsumerInfoAsync("rt:consumers", "g-consumers");
        Assert.Equal(names.Order(), consumers.Select(c => (string)c.Name!).Order());
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:consumers", "g-consumers") == 0, TimeSpan.FromSeconds(10), "every entry was acknowledged");
    }
}
