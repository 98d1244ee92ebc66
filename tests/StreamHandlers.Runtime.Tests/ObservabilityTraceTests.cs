using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamHandlers.Runtime.Tests.Infrastructure;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

public sealed class ObservabilityTraceHandlers
{
    public const string Stream = "obs:trace";
    public const string Group = "g-obs-trace";

    // No retries: a failing entry is dead-lettered after its one attempt.
    [StreamHandler(Stream, Group = Group, MaxRetries = 0)]
    public static void Handle(string message, StreamMessageContext context, Probe<Called> probe)
    {
        probe.Add(new Called(context.Id, message));
        if (message == "fail")
        {
            throw new InvalidOperationException("the traced handler failed");
        }
    }
}

/// <summary>Producer and consumer activities of the StreamHandlers source, and the traceparent between them.</summary>
public sealed class ObservabilityTraceTests(ITestOutputHelper output)
{
    private const string Stream = ObservabilityTraceHandlers.Stream;
    private const string Group = ObservabilityTraceHandlers.Group;

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_published_entry_carries_the_trace_to_its_handler(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        using var activities = new ActivityRecorder();
        await using var host = await TestHost.StartAsync<ObservabilityTraceHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var probe = host.Get<Probe<Called>>();
        var db = server.Db;

        string id;
        ActivityTraceId parentTrace;
        ActivitySpanId parentSpan;
        using (var parent = new Activity("obs-test-parent").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            parentTrace = parent.TraceId;
            parentSpan = parent.SpanId;
            id = await host.Streams.PublishAsync(Stream, "ok");
        }

        Assert.Null(Activity.Current);

        // The producer activity: a child of the test's activity.
        var send = await activities.WaitForAsync($"send {Stream}", a => a.TraceId == parentTrace, "the send activity stopped");
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(parentSpan, send.ParentSpanId);
        Assert.Equal("redis", send.GetTagItem("messaging.system"));
        Assert.Equal(Stream, send.GetTagItem("messaging.destination.name"));

        // The entry carries the producer activity's W3C id.
        var entry = Assert.Single(await db.StreamRangeAsync(Stream, id, id));
        Assert.Equal(send.Id, (string?)ServerState.Field(entry, "traceparent"));
        Assert.Equal("ok", (string?)ServerState.Field(entry, "data"));

        // The handler's activity continues that trace, as a child of the producer.
        var process = await ProcessActivityAsync(activities, id);
        Assert.Equal($"process {Stream}", process.OperationName);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(send.TraceId, process.TraceId);
        Assert.Equal(send.SpanId, process.ParentSpanId);
        Assert.True(process.HasRemoteParent);
        Assert.Equal("redis", process.GetTagItem("messaging.system"));
        Assert.Equal(Stream, process.GetTagItem("messaging.destination.name"));
        Assert.Equal(Group, process.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal(id, process.GetTagItem("messaging.message.id"));
        Assert.Equal(ActivityStatusCode.Unset, process.Status);
        Assert.Null(process.GetTagItem("error.type"));
        Assert.Equal([id], probe.Snapshot().Select(c => c.Id));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task A_failing_handler_marks_its_activity_as_an_error(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        using var activities = new ActivityRecorder();
        await using var host = await TestHost.StartAsync<ObservabilityTraceHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var db = server.Db;

        var id = await host.Streams.PublishAsync(Stream, "fail");

        var process = await ProcessActivityAsync(activities, id);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(ActivityStatusCode.Error, process.Status);
        Assert.Equal("the traced handler failed", process.StatusDescription);
        Assert.Equal(typeof(InvalidOperationException).FullName, process.GetTagItem("error.type"));
        Assert.Equal(Group, process.GetTagItem("messaging.consumer.group.name"));

        // Published outside any activity of the test: the producer activity is a root, and the handler's is its child.
        var send = await activities.WaitForAsync($"send {Stream}", a => a.TraceId == process.TraceId, "the send activity of the failing entry stopped");
        Assert.Equal(default, send.ParentSpanId);
        Assert.Equal(send.SpanId, process.ParentSpanId);

        await Wait.UntilAsync(async () => await db.StreamLengthAsync(Stream + ":dlq") == 1, TimeSpan.FromSeconds(10), "the failing entry is dead-lettered");
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task An_entry_written_without_traceparent_gets_a_root_process_activity(ServerKind kind)
    {
        await using var server = await TestServer.StartAsync(kind);
        using var activities = new ActivityRecorder();
        await using var host = await TestHost.StartAsync<ObservabilityTraceHandlers>(server.Server, output, s => s.AddSingleton<Probe<Called>>());
        var db = server.Db;

        var id = (string)(await db.StreamAddAsync(Stream, "data", "by hand"))!;
        Assert.True(ServerState.Field(Assert.Single(await db.StreamRangeAsync(Stream, id, id)), "traceparent").IsNull);

        var process = await ProcessActivityAsync(activities, id);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Null(process.Parent);
        Assert.Null(process.ParentId);
        Assert.Equal(default, process.ParentSpanId);
        Assert.False(process.HasRemoteParent);
        Assert.NotEqual(default, process.TraceId);
        Assert.Equal(ActivityStatusCode.Unset, process.Status);
        Assert.Equal(id, process.GetTagItem("messaging.message.id"));

        // No producer activity anywhere in its trace.
        Assert.DoesNotContain(activities.Stopped.Snapshot(), a => a.TraceId == process.TraceId && a.Kind == ActivityKind.Producer);
    }

    private static Task<Activity> ProcessActivityAsync(ActivityRecorder activities, string id) =>
        activities.WaitForAsync(
            $"process {Stream}",
            a => Equals(a.GetTagItem("messaging.destination.name"), Stream) && Equals(a.GetTagItem("messaging.message.id"), id),
            $"the process activity of entry {id} stopped");
}
