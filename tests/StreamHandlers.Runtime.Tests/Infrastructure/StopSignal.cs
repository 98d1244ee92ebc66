using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace StreamHandlers.Runtime.Tests.Infrastructure;

/// <summary>
/// A hosted service registered before <c>AddStreamHandlers</c>. With <see cref="HostOptions.ServicesStopConcurrently"/>
/// the host calls the synchronous start of every StopAsync in reverse registration order, so once this one is
/// called, StreamHandlers' StopAsync has already begun (and stopped reading).
/// </summary>
public sealed class StopSignal : IHostedService
{
    private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the host calls this service's StopAsync.</summary>
    public Task Stopping => _stopping.Task;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.TrySetResult();
        return Task.CompletedTask;
    }
}
