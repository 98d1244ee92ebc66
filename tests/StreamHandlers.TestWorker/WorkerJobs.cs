using System.Threading;
using System.Threading.Tasks;

namespace StreamHandlers.TestWorker;

/// <summary>What the worker does with a job once it has recorded that it started it.</summary>
public enum WorkerMode
{
    /// <summary>Finishes the job and records <c>"done {data} {consumer}"</c>.</summary>
    Work,

    /// <summary>Never finishes the job (until its token is cancelled), so the entry stays pending on this consumer.</summary>
    Hang,
}

/// <summary>The worker's mode, as a service the handler takes.</summary>
/// <param name="Mode">What to do with a job after recording that it started.</param>
public sealed record WorkerSettings(WorkerMode Mode);

/// <summary>The handler the engine tests drive in a separate process.</summary>
public static class WorkerJobs
{
    /// <summary>The stream the worker reads.</summary>
    public const string Stream = "worker:jobs";

    /// <summary>The consumer group the worker reads in.</summary>
    public const string Group = "workers";

    /// <summary>Where the worker records <c>"started …"</c> and <c>"done …"</c>, in the <c>data</c> field.</summary>
    public const string LogStream = "worker:log";

    // Small ClaimIdleMs and RetryDelayMs: the tests wait for a claim after this process is killed.
    [StreamHandler(Stream, Group = Group, ClaimIdleMs = 1000, RetryDelayMs = 50)]
    public static async Task HandleAsync(string data, StreamMessageContext context, WorkerSettings settings, IStreamPublisher log, CancellationToken cancellationToken)
    {
        await log.PublishAsync(LogStream, $"started {data} {context.Consumer}", cancellationToken);
        if (settings.Mode == WorkerMode.Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        await log.PublishAsync(LogStream, $"done {data} {context.Consumer}", cancellationToken);
    }
}
