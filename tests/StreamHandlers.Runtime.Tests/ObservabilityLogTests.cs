using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class ObservabilityLogHandlers
{
    public const string Stream = "obs:logs";
    public const string Group = "g-obs-logs";

    [StreamHandler(Stream, Group = Group)]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe) => probe.Add(new Called(context.Id, message));
}

/// <summary>Logging is one line per change of state, never one per entry at Information or above.</summary>
public sealed class ObservabilityLogTests(ITestOutputHelper output)
{
    private const string Stream = ObservabilityLogHandlers.Stream;
    private const string Group = ObservabilityLogHandlers.Group;

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task Handling_entries_logs_nothing_per_entry_at_Information_or_above(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        await using var host = await TestHost.StartAsync<ObservabilityLogHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();
        var db = server.Db;

        // A run of 20 entries …
        for (var i = 0; i < 20; i++)
        {
            await host.Streams.PublishAsync(Stream, $"a{i}");
        }

        await probe.WaitForCountAsync(20, "the first 20 entries were handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, Stream, Group) == 0, TimeSpan.FromSeconds(10), "the first 20 are acknowledged");
        var after20 = host.Logs.AtLeast(LogLevel.Information).ToArray();

        // … then 200 more: not one more line at Information or above.
        for (var i = 0; i < 200; i++)
        {
            await host.Streams.PublishAsync(Stream, $"b{i}");
        }

        await probe.WaitForCountAsync(220, "all 220 entries were handled");
        await Wait.UntilAsync(async () => await ServerState.PendingAsync(db, Stream, Group) == 0, TimeSpan.FromSeconds(10), "all 220 are acknowledged");
        var after220 = host.Logs.AtLeast(LogLevel.Information).ToArray();

        foreach (var line in host.Logs.Lines.Where(l => l.Exception is not null))
        {
            output.WriteLine($"{line.Level} ({line.EventId.Id}) with {line.Exception}");
        }

        Assert.Equal(220, probe.Count);

        // Nothing per entry: no line names an entry or its message, and 200 more entries add nothing (one line of a
        // change of state, such as a maintenance tick, may fall between the two counts; a line per entry would add 200).
        var idsAndMessages = probe.Snapshot().SelectMany(c => new[] { c.Id, $"'{c.TaskId}'" }).ToArray();
        Assert.DoesNotContain(after220, l => idsAndMessages.Any(text => l.Message.Contains(text, StringComparison.Ordinal)));
        Assert.True(after220.Length < 10, $"{after220.Length} lines at Information or above");
        Assert.True(
            after220.Length - after20.Length <= 1,
            $"{after220.Length - after20.Length} more line(s) at Information or above after the next 200 entries:{Environment.NewLine}{string.Join(Environment.NewLine, after220.Skip(after20.Length))}");

        // The group was created once, and said so once (event id 10), naming the stream and the group.
        var created = Assert.Single(host.Logs.Lines, l => l.EventId.Id == 10 && !l.Category.StartsWith("Microsoft.", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, created.Level);
        Assert.Contains(Stream, created.Message, StringComparison.Ordinal);
        Assert.Contains(Group, created.Message, StringComparison.Ordinal);

        // Started (event id 1) once too.
        Assert.Single(host.Logs.Lines, l => l.EventId.Id == 1 && !l.Category.StartsWith("Microsoft.", StringComparison.Ordinal));
    }
}
