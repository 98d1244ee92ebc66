using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamHandlers.Testing;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests.Infrastructure;

/// <summary>
/// A generic host running only one test class's handlers against one test server. The generated module
/// initializer registers every handler of this assembly into every host, so each host filters by handler type.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    /// <summary>The shutdown timeout of test hosts unless a test sets its own: short, so a hung stop fails fast.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly IHost _host;
    private readonly ITestOutputHelper? _output;
    private bool _started;
    private bool _stopped;

    private TestHost(IHost host, LogSink logs, ITestOutputHelper? output)
    {
        _host = host;
        Logs = logs;
        _output = output;
    }

    /// <summary>Everything the host logged.</summary>
    public LogSink Logs { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>The options as the host resolved them.</summary>
    public StreamHandlersOptions Options => Services.GetRequiredService<IOptions<StreamHandlersOptions>>().Value;

    public IStreamPublisher Streams => Services.GetRequiredService<IStreamPublisher>();

    public IChannelPublisher Channels => Services.GetRequiredService<IChannelPublisher>();

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>
    /// A builder with no configuration sources or logging providers of its own (a test's outcome must not depend
    /// on the machine's environment) and every log line captured in <paramref name="logs"/>.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(LogSink logs)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        // Scopes are validated (a scoped service resolved from the root fails); building is not, because every host
        // also holds the handler types of other tests, whose dependencies only their own tests register.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = false }));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        return builder;
    }

    /// <summary>
    /// Builds a host that runs the handlers declared by <typeparamref name="THandlers"/> only. <paramref name="services"/>
    /// runs before <c>AddStreamHandlers</c>; <paramref name="options"/> after the test defaults (the server's
    /// connection string, the handler filter, <see cref="DefaultShutdownTimeout"/>).
    /// </summary>
    public static TestHost Build<THandlers>(
        RedisServer? server,
        ITestOutputHelper? output,
        Action<IServiceCollection>? services = null,
        Action<StreamHandlersOptions>? options = null,
        Action<HostApplicationBuilder>? builder = null)
    {
        var logs = new LogSink();
        var hostBuilder = CreateBuilder(logs);
        builder?.Invoke(hostBuilder);
        services?.Invoke(hostBuilder.Services);
        hostBuilder.Services.AddStreamHandlers(o =>
        {
            if (server is not null)
            {
                o.Configuration = server.ConnectionString;
            }

            o.HandlerFilter = h => h.HandlerType == typeof(THandlers);
            o.ShutdownTimeout = DefaultShutdownTimeout;
            options?.Invoke(o);
        });
        return new TestHost(hostBuilder.Build(), logs, output);
    }

    /// <summary>Builds a host from a builder made with <see cref="CreateBuilder"/>, for a test that calls <c>AddStreamHandlers</c> itself.</summary>
    public static TestHost Build(HostApplicationBuilder builder, LogSink logs, ITestOutputHelper? output) =>
        new(builder.Build(), logs, output);

    /// <summary>Builds a host as <see cref="Build{THandlers}"/> does and starts it.</summary>
    public static async Task<TestHost> StartAsync<THandlers>(
        RedisServer? server,
        ITestOutputHelper? output,
        Action<IServiceCollection>? services = null,
        Action<StreamHandlersOptions>? options = null,
        Action<HostApplicationBuilder>? builder = null)
    {
        var host = Build<THandlers>(server, output, services, options, builder);
        try
        {
            await host.StartAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StartAsync(timeout.Token);

        // Only a started host is stopped on dispose: the generic host cannot stop one whose start failed early.
        _started = true;
    }

    /// <summary>Begins stopping the host; the returned task completes when it has stopped.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        _stopped = true;
        return _host.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_started && !_stopped)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await StopAsync(timeout.Token);
            }
        }
        finally
        {
            if (_host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                _host.Dispose();
            }

            WriteLogs();
        }
    }

    private void WriteLogs()
    {
        if (_output is null)
        {
            return;
        }

        try
        {
            foreach (var line in Logs.AtLeast(LogLevel.Information))
            {
                _output.WriteLine(line.ToString());
            }
        }
        catch (InvalidOperationException)
        {
            // The test has already finished; its output is closed.
        }
    }
}
