using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace StreamHandlers.Runtime.Tests;

/// <summary>One call of an engine test's handler: the entry, its data, the consumer and the server's delivery count.</summary>
public sealed record EngineDelivery(string Id, string Data, string Consumer, long DeliveryCount)
{
    public static EngineDelivery From(string data, StreamMessageContext context) =>
        new(context.Id, data, context.Consumer, context.DeliveryCount);
}

/// <summary>
/// How often each entry was handled, for runs too long for a <see cref="Infrastructure.Probe{T}"/> (which copies its
/// list on every wake-up); tests wait on <see cref="Count"/> with <c>Wait.UntilAsync</c>.
/// </summary>
public sealed class EngineTally
{
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private int _total;

    /// <summary>Distinct entries handled.</summary>
    public int Count => _counts.Count;

    /// <summary>Calls recorded, duplicates included.</summary>
    public int Total => Volatile.Read(ref _total);

    public void Record(string id)
    {
        _counts.AddOrUpdate(id, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
    }

    public bool Contains(string id) => _counts.ContainsKey(id);

    /// <summary>Each entry handled so far, with how many times.</summary>
    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(_counts);
}

/// <summary>Log assertions shared by the engine tests.</summary>
public static class EngineLogs
{
    /// <summary>Fails, with every such line and its full exception, if the host logged a loop error (event 22) or anything at Error.</summary>
    public static void AssertNoLoopErrors(Infrastructure.TestHost host)
    {
        var errors = host.Logs.Lines.Where(l => l.EventId.Id == 22 || l.Level >= Microsoft.Extensions.Logging.LogLevel.Error).ToArray();
        Xunit.Assert.True(errors.Length == 0, "The host logged loop errors:" + System.Environment.NewLine + string.Join(System.Environment.NewLine, errors.Select(e => $"{e}{System.Environment.NewLine}{e.Exception}")));
    }
}

/// <summary>
/// Engine tests whose assertions are about time (a retry that is not late, keep-alive inside ClaimIdleMs) run in this
/// collection, alone: a machine busy with the parallel tests can delay a timer by hundreds of milliseconds.
/// </summary>
[Xunit.CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineTimingCollection
{
    public const string Name = "Engine timing";
}

/// <summary>Waits on the server's pending list, and says what is left on it when the wait fails.</summary>
public static class EnginePending
{
    /// <summary>Waits until the group has nothing pending; on timeout, fails listing each pending entry (consumer, idle time, deliveries).</summary>
    public static async System.Threading.Tasks.Task WaitUntilEmptyAsync(StackExchange.Redis.IDatabase db, string stream, string group, string because, System.TimeSpan? timeout = null)
    {
        try
        {
            await StreamHandlers.Testing.Wait.UntilAsync(
                async () => await Infrastructure.ServerState.PendingAsync(db, stream, group) == 0, timeout ?? System.TimeSpan.FromSeconds(10), because);
        }
        catch (System.TimeoutException ex)
        {
            throw new System.TimeoutException($"{ex.Message} {await DescribeAsync(db, stream, group)}", ex);
        }
    }

    /// <summary>The group's pending entries, for a failure message: id, consumer, idle time, deliveries.</summary>
    public static async System.Threading.Tasks.Task<string> DescribeAsync(StackExchange.Redis.IDatabase db, string stream, string group)
    {
        var pending = await db.StreamPendingMessagesAsync(stream, group, 20, StackExchange.Redis.RedisValue.Null);
        return $"Pending in '{stream}'/'{group}': " + (pending.Length == 0
            ? "nothing."
            : string.Join("; ", pending.Select(p => $"{p.MessageId} on '{p.ConsumerName}', idle {p.IdleTimeInMilliseconds} ms, delivered {p.DeliveryCount}x")));
    }
}
