using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace StreamHandlers.Testing;

/// <summary>Which server binary a <see cref="RedisServer"/> runs.</summary>
public enum ServerKind
{
    /// <summary><c>valkey-server</c>.</summary>
    Valkey,

    /// <summary><c>redis-server</c>.</summary>
    Redis,
}

/// <summary>How a <see cref="RedisServer"/> is started.</summary>
public sealed class RedisServerOptions
{
    /// <summary>When true: <c>--appendonly yes --appendfsync always</c>, so every acknowledged write survives a kill and restart.</summary>
    public bool AppendOnly { get; init; }

    /// <summary>More command-line arguments, appended after the defaults (a later argument overrides an earlier one).</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = Array.Empty<string>();

    /// <summary>How long a start or restart may take until the server answers PING.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A real <c>valkey-server</c> or <c>redis-server</c> child process on 127.0.0.1 and a free port, with a fresh
/// data directory of its own. Fails (never skips) when the binary is not installed.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string LoopbackHost = "127.0.0.1";
    private const int MaxOutputChars = 256 * 1024;

    private static readonly object LiveGate = new();
    private static readonly HashSet<RedisServer> Live = new();

    private readonly RedisServerOptions options;
    private readonly string executable;
    private readonly StringBuilder output = new();
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private Process? process;
    private int disposed;

    static RedisServer()
    {
        // Best effort against leaking servers when the test host exits without disposing them.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();
    }

    private RedisServer(ServerKind kind, string executable, RedisServerOptions options)
    {
        Kind = kind;
        this.executable = executable;
        this.options = options;
        DataDirectory = Directory.CreateTempSubdirectory("streamhandlers-" + kind.ToString().ToLowerInvariant() + "-").FullName;
    }

    /// <summary>Which server this is.</summary>
    public ServerKind Kind { get; }

    /// <summary>Always <c>127.0.0.1</c>.</summary>
    public string Host => LoopbackHost;

    /// <summary>The loopback port the server listens on; the same after <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => $"{LoopbackHost}:{Port},abortConnect=false,connectTimeout=5000";

    /// <summary>The server's version, from <c>INFO server</c> (<c>valkey_version</c> for Valkey, <c>redis_version</c> for Redis).</summary>
    public string Version { get; private set; } = string.Empty;

    /// <summary>The server's own directory (<c>--dir</c>), kept across restarts and deleted on dispose.</summary>
    public string DataDirectory { get; }

    /// <summary>True while the server process is running.</summary>
    public bool IsRunning
    {
        get
        {
            var p = Volatile.Read(ref process);
            return p is not null && !HasExited(p);
        }
    }

    /// <summary>Everything the server printed (the tail, when it is long), for diagnostics.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a server of <paramref name="kind"/> on a free loopback port and waits until it answers PING.
    /// </summary>
    /// <exception cref="InvalidOperationException">The binary is not on PATH, or the server did not start.</exception>
    public static async Task<RedisServer> StartAsync(ServerKind kind, RedisServerOptions? options = null)
    {
        options ??= new RedisServerOptions();
        string name = ExecutableName(kind);
        string path = FindOnPath(name) ?? throw new InvalidOperationException(InstallHint(kind));

        var server = new RedisServer(kind, path, options);
        try
        {
            const int attempts = 10;
            for (int attempt = 1; ; attempt++)
            {
                server.Port = FindFreePort();
                var deadline = Stopwatch.StartNew();
                if (await server.LaunchAsync(deadline).ConfigureAwait(false))
                {
                    break;
                }

                if (attempt == attempts)
                {
                    throw new InvalidOperationException(
                        $"{name} could not bind a free loopback port in {attempts} attempts.{server.OutputForMessage()}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Connects a StackExchange.Redis multiplexer (admin commands allowed) for test assertions.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var configuration = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            AllowAdmin = true,
            ConnectTimeout = 5000,
            EndPoints = { { LoopbackHost, Port } },
        };
        return await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
    }

    /// <summary>Kills the server with SIGKILL, as a crash would, and waits until it has exited. Its data directory stays.</summary>
    public async Task KillAsync()
    {
        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await KillCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Stops the server gracefully with <c>SHUTDOWN NOSAVE</c>, killing it if it has not exited within 5 s.</summary>
    public async Task StopAsync()
    {
        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>
    /// Starts the server again on the same port and directory (with <see cref="RedisServerOptions.AppendOnly"/>, its
    /// data survives), stopping it first if it is still running; retries the bind for up to the startup timeout.
    /// </summary>
    public async Task RestartAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
            var deadline = Stopwatch.StartNew();
            while (!await LaunchAsync(deadline).ConfigureAwait(false))
            {
                if (deadline.Elapsed >= options.StartupTimeout)
                {
                    throw new InvalidOperationException(
                        $"{ExecutableName(Kind)} could not bind port {Port} again within {options.StartupTimeout.TotalSeconds:0.#} s.{OutputForMessage()}");
                }

                await Task.Delay(100).ConfigureAwait(false);
            }
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Kills the server and deletes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await KillCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }

        lock (LiveGate)
        {
            Live.Remove(this);
        }

        DeleteDirectory(DataDirectory);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Version} on {LoopbackHost}:{Port}";

    // Launches the process on Port; true when it answers PING, false when the port was in use.
    private async Task<bool> LaunchAsync(Stopwatch deadline)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            CreateNoWindow = true,
            WorkingDirectory = DataDirectory,
        };
        foreach (string argument in BuildArguments())
        {
            info.ArgumentList.Add(argument);
        }

        int mark;
        lock (output)
        {
            output.Append("--- ").Append(ExecutableName(Kind)).Append(" --port ").Append(Port.ToString(CultureInfo.InvariantCulture)).Append('\n');
            mark = output.Length;
        }

        var p = new Process { StartInfo = info, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => AppendOutput(e.Data);
        p.ErrorDataReceived += (_, e) => AppendOutput(e.Data);
        if (!p.Start())
        {
            p.Dispose();
            throw new InvalidOperationException($"{executable} did not start.");
        }

        Volatile.Write(ref process, p);
        lock (LiveGate)
        {
            Live.Add(this);
        }

        p.BeginOutputReadLine();
        p.BeginErrorReadLine();

        while (true)
        {
            if (HasExited(p))
            {
                await p.WaitForExitAsync().ConfigureAwait(false);
                int exitCode = p.ExitCode;
                Volatile.Write(ref process, null);
                p.Dispose();
                string log = OutputSince(mark);
                if (log.Contains("Address already in use", StringComparison.Ordinal))
                {
                    return false;
                }

                throw new InvalidOperationException(
                    $"{ExecutableName(Kind)} exited with code {exitCode} while starting on port {Port}.{OutputForMessage()}");
            }

            var probe = await ProbeAsync(Port, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            if (probe is not null && probe.ProcessId == p.Id)
            {
                Version = probe.Version;
                return true;
            }

            // A PONG from another process means someone else holds the port: ours will exit with a bind error.
            if (deadline.Elapsed >= options.StartupTimeout)
            {
                try
                {
                    p.Kill();
                }
                catch (InvalidOperationException)
                {
                }

                await p.WaitForExitAsync().ConfigureAwait(false);
                Volatile.Write(ref process, null);
                p.Dispose();
                throw new InvalidOperationException(
                    $"{ExecutableName(Kind)} did not answer PING on {LoopbackHost}:{Port} within {options.StartupTimeout.TotalSeconds:0.#} s.{OutputForMessage()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private List<string> BuildArguments()
    {
        var arguments = new List<string>
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", LoopbackHost,
            "--dir", DataDirectory,
            "--save", string.Empty,
            "--protected-mode", "no",
            "--daemonize", "no",
            "--logfile", string.Empty,
        };
        if (options.AppendOnly)
        {
            arguments.AddRange(["--appendonly", "yes", "--appendfsync", "always"]);
        }
        else
        {
            arguments.AddRange(["--appendonly", "no"]);
        }

        arguments.AddRange(options.ExtraArgs);
        return arguments;
    }

    private async Task KillCoreAsync()
    {
        var p = Volatile.Read(ref process);
        if (p is null)
        {
            return;
        }

        try
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await p.WaitForExitAsync().ConfigureAwait(false);
        Volatile.Write(ref process, null);
        p.Dispose();
    }

    private async Task StopCoreAsync()
    {
        var p = Volatile.Read(ref process);
        if (p is null)
        {
            return;
        }

        if (!HasExited(p))
        {
            try
            {
                using var client = new TcpClient();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("SHUTDOWN NOSAVE\r\n"), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // Falls back to a kill below.
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await p.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await KillCoreAsync().ConfigureAwait(false);
    }

    private void AppendOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
            if (output.Length > MaxOutputChars)
            {
                output.Remove(0, output.Length - (MaxOutputChars / 2));
            }
        }
    }

    private string OutputSince(int mark)
    {
        lock (output)
        {
            return mark <= output.Length ? output.ToString(mark, output.Length - mark) : output.ToString();
        }
    }

    private string OutputForMessage()
    {
        string log = Output;
        if (log.Length > 8000)
        {
            log = "..." + log[^8000..];
        }

        return $" Data directory: {DataDirectory}. Server output:\n{log}";
    }

    private static bool HasExited(Process p)
    {
        try
        {
            return p.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static void KillAllLive()
    {
        RedisServer[] servers;
        lock (LiveGate)
        {
            servers = [.. Live];
            Live.Clear();
        }

        foreach (var server in servers)
        {
            var p = Volatile.Read(ref server.process);
            try
            {
                if (p is not null && !p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit(2000);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }

            DeleteDirectory(server.DataDirectory);
        }
    }

    private static void DeleteDirectory(string path)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static string ExecutableName(ServerKind kind) => kind switch
    {
        ServerKind.Valkey => "valkey-server",
        ServerKind.Redis => "redis-server",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string InstallHint(ServerKind kind) => kind switch
    {
        ServerKind.Valkey => "valkey-server was not found on PATH. Install it with: bash scripts/install-servers.sh (or: apt-get install -t bookworm-backports valkey-server)",
        _ => "redis-server was not found on PATH. Install it with: bash scripts/install-servers.sh (or: apt-get install redis-server)",
    };

    private static string? FindOnPath(string name)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (!File.Exists(candidate))
            {
                continue;
            }

            if (OperatingSystem.IsWindows())
            {
                return candidate;
            }

            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((File.GetUnixFileMode(candidate) & anyExecute) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    private static int FindFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private sealed record Probe(int ProcessId, string Version);

    // PING, expecting +PONG, then INFO server for the process id and version; null while not ready.
    private async Task<Probe?> ProbeAsync(int port, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var reader = new RespReader(stream);

            await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"), cancel.Token).ConfigureAwait(false);
            string pong = await reader.ReadLineAsync(cancel.Token).ConfigureAwait(false);
            if (pong != "+PONG")
            {
                return null;
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"), cancel.Token).ConfigureAwait(false);
            string header = await reader.ReadLineAsync(cancel.Token).ConfigureAwait(false);
            if (header.Length < 2 || header[0] != '$' || !int.TryParse(header.AsSpan(1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int length) || length < 0)
            {
                return null;
            }

            string info = await reader.ReadBulkAsync(length, cancel.Token).ConfigureAwait(false);
            int pid = -1;
            string? redisVersion = null;
            string? valkeyVersion = null;
            foreach (string rawLine in info.Split('\n'))
            {
                string line = rawLine.TrimEnd('\r');
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }

                string key = line[..colon];
                string value = line[(colon + 1)..];
                switch (key)
                {
                    case "process_id":
                        _ = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out pid);
                        break;
                    case "redis_version":
                        redisVersion = value;
                        break;
                    case "valkey_version":
                        valkeyVersion = value;
                        break;
                }
            }

            string version = (Kind == ServerKind.Valkey ? valkeyVersion ?? redisVersion : redisVersion) ?? string.Empty;
            return new Probe(pid, version);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return null;
        }
    }

    private sealed class RespReader(NetworkStream stream)
    {
        private readonly byte[] buffer = new byte[16 * 1024];
        private readonly MemoryStream pending = new();

        public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                byte[] data = pending.GetBuffer();
                int count = (int)pending.Length;
                for (int i = 0; i + 1 < count; i++)
                {
                    if (data[i] == '\r' && data[i + 1] == '\n')
                    {
                        string line = Encoding.UTF8.GetString(data, 0, i);
                        Consume(i + 2);
                        return line;
                    }
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task<string> ReadBulkAsync(int length, CancellationToken cancellationToken)
        {
            while (pending.Length < length + 2)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            string text = Encoding.UTF8.GetString(pending.GetBuffer(), 0, length);
            Consume(length + 2);
            return text;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            int read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            pending.Write(buffer, 0, read);
        }

        private void Consume(int count)
        {
            byte[] rest = pending.GetBuffer().AsSpan(count, (int)pending.Length - count).ToArray();
            pending.SetLength(0);
            pending.Write(rest);
        }
    }
}
