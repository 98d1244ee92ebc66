using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace StreamHandlers.PackageTests;

/// <summary>Copies a repository's working tree as a fresh clone with the uncommitted changes would have it: no build output.</summary>
public static class RepositorySnapshot
{
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal)
    {
        ".git", "bin", "obj", "artifacts", "TestResults", ".vs", ".idea", ".tmp",
    };

    /// <summary>
    /// Copies to <paramref name="destination"/> the files of <paramref name="repository"/> that git would see (tracked
    /// and untracked, without ignored ones); without git, every file outside build output and tool directories.
    /// </summary>
    public static async Task CopyAsync(string repository, string destination)
    {
        var files = await GitFilesAsync(repository).ConfigureAwait(false) ?? WalkedFiles(repository);
        foreach (string relative in files)
        {
            string from = Path.Combine(repository, relative);
            if (!File.Exists(from))
            {
                continue; // Deleted in the working tree but still in the index.
            }

            string to = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to, overwrite: true);
        }

        if (!File.Exists(Path.Combine(destination, "StreamHandlers.sln")))
        {
            throw new InvalidOperationException($"The copy of {repository} in {destination} has no StreamHandlers.sln.");
        }
    }

    private static async Task<IReadOnlyList<string>?> GitFilesAsync(string repository)
    {
        try
        {
            var startInfo = new System.Diagnostics.ProcessStartInfo("git")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string argument in new[] { "-C", repository, "ls-files", "-z", "--cached", "--others", "--exclude-standard" })
            {
                startInfo.ArgumentList.Add(argument);
            }

            using var process = System.Diagnostics.Process.Start(startInfo)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            string list = await stdout.ConfigureAwait(false);
            await stderr.ConfigureAwait(false);
            return process.ExitCode == 0 ? list.Split('\0', StringSplitOptions.RemoveEmptyEntries) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed.
        }
    }

    private static IReadOnlyList<string> WalkedFiles(string repository)
    {
        var files = new List<string>();
        var pending = new Stack<string>();
        pending.Push(repository);
        while (pending.Count > 0)
        {
            string directory = pending.Pop();
            files.AddRange(Directory.EnumerateFiles(directory).Select(f => Path.GetRelativePath(repository, f)));
            foreach (string child in Directory.EnumerateDirectories(directory).Where(d => !SkippedDirectories.Contains(Path.GetFileName(d))))
            {
                pending.Push(child);
            }
        }

        return files;
    }
}
