using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StreamHandlers;

namespace AiTasks;

/// <summary>The worker side: created from DI in a fresh scope for every entry.</summary>
public sealed class TaskHandlers(ILogger<TaskHandlers> log, IChannelPublisher events, DemoProgress progress)
{
    [StreamHandler("ai:tasks", Group = "workers", MaxRetries = 3)]
    public async Task HandleAsync(AiTask task, StreamMessageContext context, CancellationToken ct)
    {
        log.LogInformation("Worker {Consumer} runs task {TaskId} ({Model}): {Prompt} [entry {Id}]", context.Consumer, task.TaskId, task.Model, task.Prompt, context.Id);
        await Task.Delay(20, ct);
        progress.TaskHandled(task.TaskId);
        await events.PublishAsync("ai:events", new AiEvent("completed", task.TaskId), ct);
    }
}

/// <summary>Pub/Sub side: a static subscriber needs no instance.</summary>
public static class Events
{
    [ChannelSubscriber("ai:events")]
    public static void OnEvent(string message, ChannelMessageContext context, DemoProgress progress)
    {
        progress.EventReceived(context.Channel, message);
    }
}
