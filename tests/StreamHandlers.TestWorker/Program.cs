using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamHandlers;
using StreamHandlers.TestWorker;

// Usage: StreamHandlers.TestWorker <connection string> <consumer name> <work|hang>
// Prints READY on standard output once the host has started; stops when standard input, if redirected, closes.
if (args.Length != 3 || !Enum.TryParse<WorkerMode>(args[2], ignoreCase: true, out var mode))
{
    Console.Error.WriteLine("usage: StreamHandlers.TestWorker <connection string> <consumer name> <work|hang>");
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

// Standard output carries only READY, which the tests wait for; the log goes to standard error.
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter((_, level) => level >= LogLevel.Information);
builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

builder.Services.AddSingleton(new WorkerSettings(mode));
builder.Services.AddStreamHandlers(options =>
{
    options.Configuration = args[0];
    options.ConsumerName = args[1];
    options.ShutdownTimeout = TimeSpan.FromSeconds(2);
});

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("READY");

// The tests keep standard input open: when it closes, the test run is gone, and so is the reason to live.
if (Console.IsInputRedirected)
{
    var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
    _ = Task.Run(async () =>
    {
        await Console.In.ReadToEndAsync();
        lifetime.StopApplication();
    });
}

await host.WaitForShutdownAsync();
return 0;
