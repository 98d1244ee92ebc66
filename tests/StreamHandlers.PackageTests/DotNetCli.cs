using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StreamHandlers.PackageTests;

/// <summary>The outcome of one command: exit code and everything it printed, stdout and stderr interleaved.</summary>
public sealed record CommandResult(string CommandLine, string WorkingDirectory, int ExitCode, bool TimedOut, TimeSpan Duration, string Output)
{
    /// <summary>True when the command finished in time with exit code 0.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>The command, its outcome and its full output, for assertion messages.</summary>
    public override string ToString()
    {
        string outcome = TimedOut ? $"TIMED OUT after {Duration.TotalSeconds:F0} s" : $"exit code {ExitCode} after {Duration.TotalSeconds:F1} s";
        return $"$ {CommandLine}{Environment.NewLine}  (in {WorkingDirectory}; {outcome}){Environment.NewLine}{Output}";
    }
}

/// <summary>Runs the dotnet CLI as a child process, without a shell, with a bounded time.</summary>
public static class DotNetCli
{
    /// <summary>What pack and build may take on a small machine.</summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Arguments for every build: no build servers or reused MSBuild nodes, which would outlive the command, hold its
    /// output pipes open and keep running after the tests.
    /// </summary>
    public static readonly IReadOnlyList<string> IsolatedBuildArguments = new[] { "-nodeReuse:false", "-p:UseSharedCompilation=false" };

    private static string DotNetExecutable
    {
        get
        {
            // Set by the dotnet host when it runs the tests: the same SDK the tests were built with.
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
        }
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    /// <param name="workingDirectory">Where the command runs.</param>
    /// <param name="arguments">The arguments after <c>dotnet</c>, passed as they are (no shell).</param>
    /// <param name="timeout">How long it may run before it is killed with its process tree.</param>
    /// <param name="environment">Variables to set (a null value removes one) on top of a cleaned copy of this process's environment.</param>
    public static async Task<CommandResult> RunAsync(
        string workingDirectory,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(DotNetExecutable)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The test host may run under MSBuild, whose variables would steer the child's MSBuild to other paths.
        foreach (string key in startInfo.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        startInfo.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        startInfo.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    startInfo.Environment.Remove(key);
                }
                else
                {
                    startInfo.Environment[key] = value;
                }
            }
        }

        string commandLine = "dotnet " + string.Join(" ", startInfo.ArgumentList.Select(Quote));
        var output = new StringBuilder();
        var stdoutClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderrClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data, stdoutClosed);
        process.ErrorDataReceived += (_, e) => Append(e.Data, stderrClosed);
        process.Exited += (_, _) => exited.TrySetResult();

        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool timedOut = await Task.WhenAny(exited.Task, Task.Delay(timeout)).ConfigureAwait(false) != exited.Task;
        if (timedOut)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }

            await Task.WhenAny(exited.Task, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        }

        // The exit is what counts; the pipes close with it unless a grandchild inherited them, so wait briefly only.
        await Task.WhenAny(Task.WhenAll(stdoutClosed.Task, stderrClosed.Task), Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        stopwatch.Stop();

        int exitCode = process.HasExited ? process.ExitCode : -1;
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        return new CommandResult(commandLine, workingDirectory, exitCode, timedOut, stopwatch.Elapsed, text);

        void Append(string? line, TaskCompletionSource closed)
        {
            if (line is null)
            {
                closed.TrySetResult();
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c == '"') ? argument : "\"" + argument.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
