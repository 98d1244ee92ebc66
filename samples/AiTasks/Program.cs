using System;
using System.Linq;
using System.Threading.Tasks;
using AiTasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StreamHandlers;

// The worker: one call registers every [StreamHandler] and [ChannelSubscriber] of this project.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // appsettings.json sits beside the program, wherever it is run from
});
builder.Services.AddStreamHandlers(builder.Configuration.GetSection("StreamHandlers"));
builder.Services.AddSingleton<DemoProgress>();
builder.Services.AddHealthChecks().AddStreamHandlers(check => check.MaxLag = 10_000);

// --otel: the StreamHandlers meter and activity source, exported to the console with OpenTelemetry.
if (args.Contains("--otel"))
{
    builder.Services.AddOpenTelemetry()
        .WithMetrics(metrics => metrics.AddMeter("StreamHandlers").AddConsoleExporter())
        .WithTracing(tracing => tracing.AddSource("StreamHandlers").AddConsoleExporter());
}

using var host = builder.Build();
await host.StartAsync();

var publisher = host.Services.GetRequiredService<IStreamPublisher>();
var progress = host.Services.GetRequiredService<DemoProgress>();
var demo = args.Contains("--demo");

// The producer: in demo mode a fixed batch, then exit once all of it has been handled; otherwise one task a second.
var count = demo ? 10 : int.MaxValue;
progress.Expected = demo ? count : 0;
var runId = Guid.NewGuid().ToString("N")[..6];
if (demo)
{
    Console.WriteLine($"Producer: adding {count} tasks to 'ai:tasks'; the generated handler runs them and announces each on 'ai:events'.");
}

var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
for (var i = 1; i <= count && !lifetime.ApplicationStopping.IsCancellationRequested; i++)
{
    var task = new AiTask($"{runId}-{i}", $"Summarise document #{i}", "small-model");
    var id = await publisher.PublishAsync("ai:tasks", task);
    Console.WriteLine($"  [producer] XADD ai:tasks {id} ({task.TaskId})");
    if (!demo)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), lifetime.ApplicationStopping).ContinueWith(_ => { });
    }
}

if (demo)
{
    var finished = await Task.WhenAny(progress.Done, Task.Delay(TimeSpan.FromSeconds(30))) == progress.Done;
    Console.WriteLine(finished
        ? $"Demo done: {progress.Handled} tasks handled by the stream handler, {progress.Events} events received by the subscriber."
        : $"Demo timed out: {progress.Handled}/{count} tasks handled, {progress.Events}/{count} events received. Is a server running on localhost:6379?");

    // The stream's health, as XLEN and XINFO GROUPS report it, and the health check's verdict.
    var monitor = host.Services.GetRequiredService<IStreamMonitor>();
    Console.WriteLine($"Stream health: {await monitor.GetHealthAsync("ai:tasks")}");
    var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
    Console.WriteLine($"Health check: {report.Status}");
    await host.StopAsync();
    return finished ? 0 : 1;
}

await host.WaitForShutdownAsync();
return 0;
