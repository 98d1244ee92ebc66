using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class FromBeginningHandlers
{
    [StreamHandler("rt:begin", Group = "g-begin", Start = StreamStart.Beginning)]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe) => probe.Add(new Called(context.Id, message));
}

public sealed class NewEntriesHandlers
{
    [StreamHandler("rt:new", Group = "g-new")]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe) => probe.Add(new Called(context.Id, message));
}

public sealed class ExistingGroupHandlers
{
    // Beginning would read the old entry if the group were created anew; the group made by hand at $ wins.
    [StreamHandler("rt:busy", Group = "g-busy", Start = StreamStart.Beginning)]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe) => probe.Add(new Called(context.Id, message));
}

/// <summary>Groups are created on start where the attribute says, and an existing group is used as it is.</summary>
public sealed class GroupCreationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Start_Beginning_handles_entries_that_existed_before_start(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        var old = new[]
        {
            (string)(await server.Db.StreamAddAsync("rt:begin", "data", "old-1"))!,
            (string)(await server.Db.StreamAddAsync("rt:begin", "data", "old-2"))!,
            (string)(await server.Db.StreamAddAsync("rt:begin", "data", "old-3"))!,
        };

        await using var host = await TestHost.StartAsync<FromBeginningHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();

        var seen = await probe.WaitForCountAsync(3, "the three entries added before start were handled");
        Assert.Equal(old, seen.Select(c => c.Id));
        Assert.Equal(["old-1", "old-2", "old-3"], seen.Select(c => c.TaskId));
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:begin", "g-begin") == 0, TimeSpan.FromSeconds(10), "nothing of rt:begin is pending");
        Assert.Equal(old[2], (string?)(await ServerState.GroupAsync(server.Db, "rt:begin", "g-begin")).LastDeliveredId);
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Start_NewEntries_skips_old_entries_and_handles_one_added_right_after_start(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await server.Db.StreamAddAsync("rt:new", "data", "old-1");
        await server.Db.StreamAddAsync("rt:new", "data", "old-2");

        await using var host = await TestHost.StartAsync<NewEntriesHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();

        // No start-up race: the group exists at $ before StartAsync returns, so this entry is after it.
        var fresh = (string)(await server.Db.StreamAddAsync("rt:new", "data", "new-1"))!;

        await probe.WaitForAsync(c => c.Id == fresh, "the entry added right after StartAsync was handled");
        var published = await host.Streams.PublishAsync("rt:new", "new-2");
        await probe.WaitForAsync(c => c.Id == published, "a second new entry was handled");

        Assert.Equal(["new-1", "new-2"], probe.Snapshot().Select(c => c.TaskId));
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(server.Db, "rt:new", "g-new") == 0, TimeSpan.FromSeconds(10), "nothing of rt:new is pending");
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_group_that_already_exists_does_not_fail_start_up_and_is_used_as_it_is(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await server.Db.StreamAddAsync("rt:busy", "data", "before-group");

        // XGROUP CREATE rt:busy g-busy $ MKSTREAM, by hand.
        Assert.True(await server.Db.StreamCreateConsumerGroupAsync("rt:busy", "g-busy", "$", createStream: true));

        await using var host = await TestHost.StartAsync<ExistingGroupHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();

        var fresh = await host.Streams.PublishAsync("rt:busy", "after-start");
        await probe.WaitForAsync(c => c.Id == fresh, "the entry added after start was handled");

        Assert.Equal(["after-start"], probe.Snapshot().Select(c => c.TaskId));
        Assert.Single(await server.Db.StreamGroupInfoAsync("rt:busy"));
        Assert.DoesNotContain(host.Logs.AtLeast(LogLevel.Warning), l => l.Category.Contains(nameof(ExistingGroupHandlers), StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Exception is RedisServerException);
    }
}
