using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StreamHandlers.Runtime.Tests;

/// <summary>
/// The StreamHandlers.TestWorker program as a child process (<c>dotnet StreamHandlers.TestWorker.dll</c>, no shell),
/// for tests that need a consumer to die as a real process does: by SIGKILL, with no code of its own running.
/// </summary>
public sealed class EngineWorkerProcess : IAsyncDisposable
{
    /// <summary>The key of the assembly metadata that the test project's build sets to the worker's built path.</summary>
    private const string PathMetadataKey = "StreamHandlers.TestWorker.Path";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private static readonly object LiveGate = new();
    private static readonly HashSet<Process> Live = [];

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    static EngineWorkerProcess()
    {
        // A hanging worker outlives a test run that ends without disposing it: kill what is left when the runner exits.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (LiveGate)
            {
                foreach (var process in Live)
                {
                    try
                    {
                        process.Kill(entireProcessTree: true);
                    }
                    catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                        // Already gone.
                    }
                }

                Live.Clear();
            }
        };
    }

    private EngineWorkerProcess(Process process) => _process = process;

    /// <summary>The process id, for messages.</summary>
    public int Id => _process.Id;

    /// <summary>Everything the worker printed, standard output and standard error interleaved, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The built StreamHandlers.TestWorker.dll, as the test project's build recorded it.</summary>
    public static string AssemblyPath
    {
        get
        {
            var path = typeof(EngineWorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .SingleOrDefault(a => a.Key == PathMetadataKey)?.Value;
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"The test worker was not found at '{path}'. Build the test project (it builds tests/StreamHandlers.TestWorker first and records its path in the assembly metadata '{PathMetadataKey}').");
            }

            return path;
        }
    }

    /// <summary>Starts the worker as consumer <paramref name="consumer"/> in <paramref name="mode"/> ("work" or "hang") and waits until it prints READY.</summary>
    public static async Task<EngineWorkerProcess> StartAsync(string connectionString, string consumer, string mode)
    {
        // The dotnet CLI tells its children where it is; a test runner started otherwise finds dotnet on PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Never written to: the worker stops when it closes, so a test run that dies leaves no worker behind.
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (var argument in new[] { AssemblyPath, connectionString, consumer, mode })
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new EngineWorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data, "out");
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data, "err");
        process.Exited += (_, _) => worker._ready.TrySetException(new InvalidOperationException($"The test worker exited before it was ready.{Environment.NewLine}{worker.Output}"));
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"'{dotnet}' did not start.");
        }

        lock (LiveGate)
        {
            Live.Add(process);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await worker._ready.Task.WaitAsync(ReadyTimeout);
        }
        catch (TimeoutException)
        {
            await worker.DisposeAsync();
            throw new TimeoutException($"The test worker did not print READY within {ReadyTimeout.TotalSeconds:0} s.{Environment.NewLine}{worker.Output}");
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    /// <summary>Kills the worker with SIGKILL (no shutdown code runs, nothing is acknowledged or handed back) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await KillAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        finally
        {
            lock (LiveGate)
            {
                Live.Remove(_process);
            }

            _process.Dispose();
        }
    }

    private void OnLine(string? line, string source)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append(source).Append("| ").Append(line).Append('\n');
        }

        if (source == "out" && line.Trim() == "READY")
        {
            _ready.TrySetResult();
        }
    }
}
