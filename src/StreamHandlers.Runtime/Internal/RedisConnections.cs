using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>
/// The connections StreamHandlers uses: one shared multiplexer for ordinary commands (the application's own
/// when one is registered), and dedicated ones for blocking reads, which would otherwise hold up every other
/// command on a shared connection.
/// </summary>
internal sealed class RedisConnections : IAsyncDisposable
{
    /// <summary>How long one blocking read waits on the server before it returns empty and is issued again.</summary>
    public static readonly TimeSpan BlockTimeout = TimeSpan.FromSeconds(5);

    private readonly IServiceProvider _services;
    private readonly StreamHandlersOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnectionMultiplexer? _shared;
    private bool _ownsShared;

    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string, ConnectionType), bool> _down = new();

    public RedisConnections(IServiceProvider services, IOptions<StreamHandlersOptions> options)
    {
        _logger = services.GetService<ILoggerFactory>()?.CreateLogger("StreamHandlers.Connection") ?? NullLogger.Instance;
        _services = services;
        _options = options.Value;
    }

    /// <summary>The shared multiplexer: the application's registered one, or one made from the options.</summary>
    public async ValueTask<IConnectionMultiplexer> GetSharedAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _shared) is { } shared)
        {
            return shared;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_shared is null)
            {
                IConnectionMultiplexer connection;
                var registered = _services.GetService<IConnectionMultiplexer>();
                if (registered is not null)
                {
                    connection = registered;
                }
                else
                {
                    var configuration = BaseConfiguration();
                    configuration.ClientName ??= "StreamHandlers";
                    connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
                    _ownsShared = true;
                }

                // One line when a connection is lost and one when it is back, however many reconnect attempts lie between.
                connection.ConnectionFailed += OnConnectionFailed;
                connection.ConnectionRestored += OnConnectionRestored;
                Volatile.Write(ref _shared, connection);
            }

            return _shared;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A new multiplexer for one loop's blocking reads and nothing else. Its timeout exceeds
    /// <see cref="BlockTimeout"/> so that a read that waits its full time is not taken for a dead connection.
    /// </summary>
    public async Task<ConnectionMultiplexer> CreateDedicatedAsync(string purpose)
    {
        var shared = await GetSharedAsync().ConfigureAwait(false);
        var configuration = ConfigurationOptions.Parse(shared.Configuration);
        if (_options.ConfigurationOptions is { } explicitOptions)
        {
            configuration = explicitOptions.Clone();
        }

        configuration.AbortOnConnectFail = false;
        configuration.ClientName = $"StreamHandlers:{purpose}";
        // Used for blocking reads only: no configuration channel or tie-breaker to watch, and a slower heartbeat, so
        // that many idle handlers cost nothing between reads.
        configuration.ConfigurationChannel = string.Empty;
        configuration.TieBreaker = string.Empty;
        configuration.HeartbeatInterval = TimeSpan.FromSeconds(5);
        var timeout = (int)(BlockTimeout.TotalMilliseconds + 10_000);
        configuration.AsyncTimeout = Math.Max(configuration.AsyncTimeout, timeout);
        configuration.SyncTimeout = Math.Max(configuration.SyncTimeout, timeout);
        return await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        var endPoint = e.EndPoint?.ToString() ?? "?";
        if (_down.TryAdd((endPoint, e.ConnectionType), true))
        {
            Log.ConnectionLost(_logger, e.ConnectionType == ConnectionType.Subscription ? "Pub/Sub" : "command", endPoint, e.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        var endPoint = e.EndPoint?.ToString() ?? "?";
        if (_down.TryRemove((endPoint, e.ConnectionType), out _))
        {
            Log.ConnectionRestored(_logger, e.ConnectionType == ConnectionType.Subscription ? "Pub/Sub" : "command", endPoint);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is not null)
        {
            _shared.ConnectionFailed -= OnConnectionFailed;
            _shared.ConnectionRestored -= OnConnectionRestored;
        }

        if (_ownsShared && _shared is not null)
        {
            await _shared.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
            _shared.Dispose();
        }

        _gate.Dispose();
    }

    private ConfigurationOptions BaseConfiguration()
    {
        var configuration = _options.ConfigurationOptions?.Clone()
            ?? ConfigurationOptions.Parse(_options.Configuration ?? throw new InvalidOperationException(
                $"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.Configuration)} is required when no IConnectionMultiplexer is registered."));

        // The host must start and keep running while the server is down; loops retry until it is back.
        configuration.AbortOnConnectFail = false;
        return configuration;
    }
}
