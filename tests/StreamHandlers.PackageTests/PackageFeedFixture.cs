using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace StreamHandlers.PackageTests;

/// <summary>The tests that share one packed feed run one after another, in this collection.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFeedFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Packed StreamHandlers packages";
}

/// <summary>The three packages, packed from a copy of the repository once per test run.</summary>
/// <param name="Directory">The local feed: only the .nupkg files that <c>dotnet pack</c> wrote.</param>
/// <param name="Version">The unique version they were packed with.</param>
/// <param name="Pack">The pack command and its output.</param>
public sealed record PackedFeed(string Directory, string Version, CommandResult Pack)
{
    /// <summary>The path of the package <paramref name="id"/> in the feed.</summary>
    public string PackagePath(string id) => Path.Combine(Directory, $"{id}.{Version}.nupkg");
}

/// <summary>A user's project, built against the packed feed.</summary>
/// <param name="Directory">The project's directory.</param>
/// <param name="Builds">The builds run on it, in order.</param>
public sealed record ConsumerBuild(string Directory, IReadOnlyList<CommandResult> Builds);

/// <summary>
/// Packs the solution once for all tests of <see cref="PackageCollection"/> and builds the user's project that they share.
/// Everything lives in one temporary directory outside the repository, deleted at the end.
/// </summary>
/// <remarks>
/// The solution is packed from a copy of the working tree (the files git would commit, without bin/ and obj/) rather
/// than in place: so a pack with a test version never rewrites the build output of src/ that other test projects,
/// built at the same time by <c>dotnet test</c> of the solution, compile against; and the packages are proven to come
/// out of a clean tree, not out of what an earlier build left behind.
/// </remarks>
public sealed class PackageFeedFixture : IAsyncLifetime
{
    private readonly Lazy<Task<PackedFeed>> feed;
    private readonly Lazy<Task<ConsumerBuild>> handlerConsumer;

    /// <summary>Creates the temporary directory; packs lazily, on first use.</summary>
    public PackageFeedFixture()
    {
        Root = System.IO.Directory.CreateTempSubdirectory("streamhandlers-packagetests-").FullName;
        RepositoryRoot = FindRepositoryRoot();
        Version = $"0.0.0-test.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.ProcessId}";
        ConsumersDirectory = Path.Combine(Root, "consumers");
        PackagesDirectory = Path.Combine(ConsumersDirectory, "packages");
        feed = new Lazy<Task<PackedFeed>>(PackAsync, LazyThreadSafetyMode.ExecutionAndPublication);
        handlerConsumer = new Lazy<Task<ConsumerBuild>>(BuildHandlerConsumerAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The temporary directory that holds the copy of the repository, the feed and the user's projects.</summary>
    public string Root { get; }

    /// <summary>The repository these tests were built from.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The version every package of this run is packed with, unique so no cache can serve an older build.</summary>
    public string Version { get; }

    /// <summary>Where the user's projects are created; it has its own Directory.Build.*, Directory.Packages.props and nuget.config.</summary>
    public string ConsumersDirectory { get; }

    /// <summary>The user's projects' private global packages folder (<c>NUGET_PACKAGES</c>).</summary>
    public string PackagesDirectory { get; }

    /// <summary>The environment of every command run on a user's project.</summary>
    public IReadOnlyDictionary<string, string?> ConsumerEnvironment => new Dictionary<string, string?>
    {
        ["NUGET_PACKAGES"] = PackagesDirectory,
    };

    /// <summary>Packs the solution (once), or throws with the pack's full output.</summary>
    public Task<PackedFeed> GetFeedAsync() => feed.Value;

    /// <summary>Builds the working user's project (once): a plain build, then one that writes the generated files.</summary>
    public Task<ConsumerBuild> GetHandlerConsumerAsync() => handlerConsumer.Value;

    /// <summary>Runs a build of a user's project: isolated, in Release, with the private packages folder.</summary>
    public Task<CommandResult> BuildConsumerAsync(string projectDirectory, params string[] extraArguments) =>
        DotNetCli.RunAsync(
            projectDirectory,
            new[] { "build", "-c", "Release" }.Concat(DotNetCli.IsolatedBuildArguments).Concat(extraArguments),
            DotNetCli.BuildTimeout,
            ConsumerEnvironment);

    /// <inheritdoc/>
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (System.IO.Directory.Exists(Root))
                {
                    System.IO.Directory.Delete(Root, recursive: true);
                }

                return;
            }
            catch (Exception e) when ((e is IOException || e is UnauthorizedAccessException) && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // A leftover temporary directory must not fail the run.
                return;
            }
        }
    }

    private async Task<PackedFeed> PackAsync()
    {
        string source = Path.Combine(Root, "source");
        await RepositorySnapshot.CopyAsync(RepositoryRoot, source).ConfigureAwait(false);

        string feedDirectory = Path.Combine(Root, "feed");
        System.IO.Directory.CreateDirectory(feedDirectory);

        // As a release would: pack the solution, and every packable project of it lands in the feed.
        var pack = await DotNetCli.RunAsync(
            source,
            new[] { "pack", Path.Combine(source, "StreamHandlers.sln"), "-c", "Release", "-o", feedDirectory, $"-p:Version={Version}" }
                .Concat(DotNetCli.IsolatedBuildArguments),
            DotNetCli.BuildTimeout).ConfigureAwait(false);
        if (!pack.Succeeded)
        {
            throw new InvalidOperationException($"dotnet pack of the solution failed.{Environment.NewLine}{pack}");
        }

        ConsumerProjects.WriteSharedFiles(ConsumersDirectory, feedDirectory);
        return new PackedFeed(feedDirectory, Version, pack);
    }

    private async Task<ConsumerBuild> BuildHandlerConsumerAsync()
    {
        var packed = await GetFeedAsync().ConfigureAwait(false);
        string directory = Path.Combine(ConsumersDirectory, ConsumerProjects.HandlerConsumerName);
        ConsumerProjects.WriteHandlerConsumer(directory, packed.Version);

        var builds = new List<CommandResult>();

        // What a user runs.
        var build = await BuildConsumerAsync(directory).ConfigureAwait(false);
        builds.Add(build);
        if (build.Succeeded)
        {
            // Compiled again, now writing the generator's output under obj/ to be read; --no-incremental because the
            // compiler would otherwise be skipped as up to date (the property is not an input of CoreCompile).
            builds.Add(await BuildConsumerAsync(directory, "--no-incremental", "-p:EmitCompilerGeneratedFiles=true").ConfigureAwait(false));
        }

        return new ConsumerBuild(directory, builds);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StreamHandlers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"StreamHandlers.sln was not found above {AppContext.BaseDirectory}.");
    }
}
