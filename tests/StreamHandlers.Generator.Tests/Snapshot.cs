using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit.Sdk;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// Compares generated sources with <c>Snapshots/{Test}.{HintName}.verified.cs</c> in the source tree. On a mismatch
/// it writes <c>*.received.cs</c> beside the verified file and fails; with <c>STREAMHANDLERS_ACCEPT_SNAPSHOTS=1</c>
/// it overwrites the verified file instead.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "STREAMHANDLERS_ACCEPT_SNAPSHOTS";

    private const string Verified = ".verified.cs";
    private const string Received = ".received.cs";

    private static readonly Encoding Utf8NoBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private static bool Accepting => Environment.GetEnvironmentVariable(AcceptVariable) == "1";

    /// <summary>Checks every source of the run, and that no verified file of this test is left without a source.</summary>
    public static void Verify(GeneratorRun run, [CallerMemberName] string testName = "", [CallerFilePath] string callerFile = "")
    {
        var directory = SnapshotDirectory(callerFile);
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();

        foreach (var source in run.Sources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            var name = $"{testName}.{TrimHintSuffix(source.HintName)}";
            expectedFiles.Add(name + Verified);
            if (Compare(directory, name, source.SourceText.ToString()) is { } failure)
            {
                failures.Add(failure);
            }
        }

        // A verified file that no source matches any more: the generator stopped emitting it.
        foreach (var stale in Directory.EnumerateFiles(directory, testName + ".*" + Verified).Select(Path.GetFileName).OfType<string>())
        {
            if (!expectedFiles.Contains(stale))
            {
                if (Accepting)
                {
                    File.Delete(Path.Combine(directory, stale));
                }
                else
                {
                    failures.Add($"{stale} has no generated source any more; delete it, or run again with {AcceptVariable}=1.");
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new XunitException(string.Join("\n\n", failures));
        }
    }

    private static string? Compare(string directory, string name, string actual)
    {
        var verifiedPath = Path.Combine(directory, name + Verified);
        var receivedPath = Path.Combine(directory, name + Received);
        actual = Normalize(actual);

        if (Accepting)
        {
            File.WriteAllText(verifiedPath, actual, Utf8NoBom);
            File.Delete(receivedPath);
            return null;
        }

        var verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (verified == actual)
        {
            File.Delete(receivedPath);
            return null;
        }

        File.WriteAllText(receivedPath, actual, Utf8NoBom);
        var what = verified is null ? "has no verified snapshot yet" : "differs from its verified snapshot";
        return $"""
            Generated source {name} {what}.
              verified: {verifiedPath}
              received: {receivedPath}
            {FirstDifference(verified, actual)}
            Compare the two files; if the received one is right, accept it with
              {AcceptVariable}=1 dotnet test tests/StreamHandlers.Generator.Tests -c Release
            (or copy the received file over the verified one) and review the diff before committing.
            """;
    }

    private static string FirstDifference(string? verified, string actual)
    {
        if (verified is null)
        {
            return string.Empty;
        }

        var expectedLines = verified.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var expected = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
            var received = i < actualLines.Length ? actualLines[i] : "<end of file>";
            if (expected != received)
            {
                return $"  first difference, line {i + 1}:\n    verified: {expected}\n    received: {received}";
            }
        }

        return string.Empty;
    }

    /// <summary>Line endings as '\n' and no byte-order mark, so a checkout on any platform compares equal.</summary>
    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimStart('\uFEFF');

    private static string TrimHintSuffix(string hintName) =>
        hintName.EndsWith(".g.cs", StringComparison.Ordinal) ? hintName[..^".g.cs".Length] : hintName;

    /// <summary>
    /// The caller's source file on disk. CI builds map source paths to <c>/_/</c> for deterministic output, so such a
    /// path is resolved against the repository root, found above the test assembly by its solution file.
    /// </summary>
    private static string SourcePath(string callerFile)
    {
        if (File.Exists(callerFile))
        {
            return callerFile;
        }

        var relative = callerFile.Replace('\\', '/');
        if (relative.StartsWith("/_/", StringComparison.Ordinal))
        {
            relative = relative.Substring(3);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StreamHandlers.sln")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new InvalidOperationException($"Cannot find the source file '{callerFile}' of the snapshot test: no StreamHandlers.sln above {AppContext.BaseDirectory}.");
    }

    private static string SnapshotDirectory(string callerFile)
    {
        var directory = Path.Combine(Path.GetDirectoryName(SourcePath(callerFile))!, "Snapshots");
        Directory.CreateDirectory(directory);
        return directory;
    }
}
