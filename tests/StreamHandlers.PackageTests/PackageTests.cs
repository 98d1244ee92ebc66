using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Tasks;
using System.Xml.Linq;
using StackExchange.Redis;
using StreamHandlers.Testing;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.PackageTests;

/// <summary>
/// The packages as a user gets them: packed from the solution, restored from a feed into a project outside the
/// repository that references StreamHandlers.Runtime only, built with the generator the package carries, and run.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackageTests(PackageFeedFixture fixture, ITestOutputHelper output)
{
    private const string Abstractions = "StreamHandlers.Abstractions";
    private const string Generator = "StreamHandlers.Generator";
    private const string Runtime = "StreamHandlers.Runtime";

    [Fact]
    public async Task SolutionPacksExactlyTheThreeLibraries()
    {
        var feed = await GetFeedAsync();

        var packages = Directory.GetFiles(feed.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        string[] expected = new[] { Abstractions, Generator, Runtime }.Select(id => $"{id}.{feed.Version}.nupkg").ToArray();
        Assert.True(expected.SequenceEqual(packages), $"The feed holds [{string.Join(", ", packages)}], expected [{string.Join(", ", expected)}].{Environment.NewLine}{feed.Pack}");
    }

    [Fact]
    public async Task RuntimePackageCarriesTheGeneratorAndItsDependencies()
    {
        var feed = await GetFeedAsync();
        using var package = ZipFile.OpenRead(feed.PackagePath(Runtime));
        var entries = EntryNames(package);

        Assert.Contains("lib/net8.0/StreamHandlers.Runtime.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/StreamHandlers.Generator.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));

        var nuspec = Nuspec(package);
        Assert.Equal("README.md", Element(nuspec, "readme")?.Value);
        var dependencies = Dependencies(nuspec, "net8.0");
        string described = string.Join(", ", dependencies.Select(d => $"{d.Key} {d.Value}"));
        Assert.True(dependencies.TryGetValue(Abstractions, out string? abstractionsVersion), described);
        Assert.Equal(feed.Version, abstractionsVersion);
        foreach (string id in new[]
        {
            "StackExchange.Redis",
            "Microsoft.Extensions.DependencyInjection.Abstractions",
            "Microsoft.Extensions.Hosting.Abstractions",
            "Microsoft.Extensions.Logging.Abstractions",
            "Microsoft.Extensions.Options",
        })
        {
            Assert.True(dependencies.ContainsKey(id), $"{id} is not among the dependencies: {described}");
        }

        // The generator is an asset of this package, never a package dependency that would put it in lib/ or twice.
        Assert.False(dependencies.ContainsKey(Generator), described);

        // The analyzer inside Runtime is the very assembly of the Generator package.
        using var generatorPackage = ZipFile.OpenRead(feed.PackagePath(Generator));
        Assert.Equal(
            Hash(generatorPackage.GetEntry("analyzers/dotnet/cs/StreamHandlers.Generator.dll")!),
            Hash(package.GetEntry("analyzers/dotnet/cs/StreamHandlers.Generator.dll")!));
    }

    [Fact]
    public async Task GeneratorPackageIsAnAnalyzerOnly()
    {
        var feed = await GetFeedAsync();
        using var package = ZipFile.OpenRead(feed.PackagePath(Generator));
        var entries = EntryNames(package);

        Assert.Contains("analyzers/dotnet/cs/StreamHandlers.Generator.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) || e.StartsWith("ref/", StringComparison.Ordinal));
        var nuspec = Nuspec(package);
        Assert.DoesNotContain(nuspec.Descendants(), e => e.Name.LocalName == "dependency");
        Assert.Equal("true", Element(nuspec, "developmentDependency")?.Value);
    }

    [Fact]
    public async Task AbstractionsPackageTargetsNetStandardAndNet8()
    {
        var feed = await GetFeedAsync();
        using var package = ZipFile.OpenRead(feed.PackagePath(Abstractions));
        var entries = EntryNames(package);

        Assert.Contains("lib/netstandard2.0/StreamHandlers.Abstractions.dll", entries);
        Assert.Contains("lib/net8.0/StreamHandlers.Abstractions.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ServerKind.Valkey)]
    [InlineData(ServerKind.Redis)]
    public async Task PackedRuntimeAloneBuildsAndHandlesAnEntry(ServerKind kind)
    {
        var feed = await GetFeedAsync();
        var consumer = await fixture.GetHandlerConsumerAsync();
        foreach (var build in consumer.Builds)
        {
            Log(build, withOutput: false);
        }

        var plainBuild = consumer.Builds[0];
        Assert.True(plainBuild.Succeeded, $"The user's project did not build.{Environment.NewLine}{plainBuild}");
        var emitBuild = consumer.Builds[1];
        Assert.True(emitBuild.Succeeded, $"The user's project did not build with EmitCompilerGeneratedFiles.{Environment.NewLine}{emitBuild}");

        // Restored from the local feed at this run's version: Runtime, and Abstractions through it; the generator is no package of its own.
        string assets = await File.ReadAllTextAsync(Path.Combine(consumer.Directory, "obj", "project.assets.json"));
        Assert.Contains($"\"{Runtime}/{feed.Version}\"", assets, StringComparison.Ordinal);
        Assert.Contains($"\"{Abstractions}/{feed.Version}\"", assets, StringComparison.Ordinal);
        Assert.DoesNotContain($"\"{Generator}/", assets, StringComparison.Ordinal);
        using (var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(
            Path.Combine(fixture.PackagesDirectory, Runtime.ToLowerInvariant(), feed.Version, ".nupkg.metadata"))))
        {
            Assert.Equal(
                Path.TrimEndingDirectorySeparator(feed.Directory),
                Path.TrimEndingDirectorySeparator(metadata.RootElement.GetProperty("source").GetString()!));
        }

        // The generator in the package ran in the user's compilation: the generated binding names the handler and the subscriber.
        var generated = Directory.GetFiles(Path.Combine(consumer.Directory, "obj"), "*.g.cs", SearchOption.AllDirectories)
            .Where(p => p.Contains(Path.DirectorySeparatorChar + Generator + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToArray();
        string listing = $"Generated files under obj/: [{string.Join(", ", generated)}]{Environment.NewLine}{emitBuild}";
        Assert.True(generated.Length > 0, listing);
        string generatedText = string.Join(Environment.NewLine, generated.Select(File.ReadAllText));
        Assert.True(generatedText.Contains("\"PackageConsumer.JobHandlers.HandleAsync\"", StringComparison.Ordinal), listing);
        Assert.True(generatedText.Contains("\"PackageConsumer.Events.OnEvent\"", StringComparison.Ordinal), listing);

        // The runtime assemblies are copied to the output; the analyzer is not.
        string bin = Path.Combine(consumer.Directory, "bin", "Release", "net10.0");
        Assert.True(File.Exists(Path.Combine(bin, Runtime + ".dll")), bin);
        Assert.True(File.Exists(Path.Combine(bin, Abstractions + ".dll")), bin);
        Assert.False(File.Exists(Path.Combine(bin, Generator + ".dll")), bin);

        await using var server = await RedisServer.StartAsync(kind);
        var run = await DotNetCli.RunAsync(
            consumer.Directory,
            new[] { "run", "--no-build", "-c", "Release", "--", server.ConnectionString },
            TimeSpan.FromMinutes(2),
            fixture.ConsumerEnvironment);
        Log(run, withOutput: true);
        string failure = $"{server}{Environment.NewLine}{run}{Environment.NewLine}Server output:{Environment.NewLine}{server.Output}";
        Assert.True(run.Succeeded, failure);

        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string[] published = Field(lines, "PUBLISHED", failure);
        string[] handled = Field(lines, "HANDLED", failure);
        string[] received = Field(lines, "RECEIVED", failure);
        string entryId = Assert.Single(published);
        Assert.Equal(2, handled.Length);
        Assert.Equal(entryId, handled[1]);
        Assert.Equal("hello-" + handled[0], Assert.Single(received));

        // The handler's success was acknowledged on the server.
        await using var redis = await server.ConnectAsync();
        var groups = await redis.GetDatabase().StreamGroupInfoAsync("pkg:tasks");
        var group = Assert.Single(groups, g => g.Name == "g");
        Assert.Equal(0, group.PendingMessageCount);
        Assert.Equal(entryId, group.LastDeliveredId);
    }

    [Fact]
    public async Task PackedRuntimeReportsDiagnosticForBadHandler()
    {
        var feed = await GetFeedAsync();
        string directory = Path.Combine(fixture.ConsumersDirectory, ConsumerProjects.BadConsumerName);
        string program = ConsumerProjects.WriteBadConsumer(directory, feed.Version);

        var build = await fixture.BuildConsumerAsync(directory);
        Log(build, withOutput: true);
        Assert.False(build.TimedOut, build.ToString());
        Assert.NotEqual(0, build.ExitCode);

        // Reported by the packed generator, on the offending method, as `Program.cs(line,column): error SH000N`.
        var lines = build.Output.Split('\n');
        AssertDiagnostic("SH0001", ConsumerProjects.LineOf(ConsumerProjects.BadProgram, ConsumerProjects.ReturnsIntMarker));
        AssertDiagnostic("SH0002", ConsumerProjects.LineOf(ConsumerProjects.BadProgram, ConsumerProjects.NoParametersMarker));

        void AssertDiagnostic(string id, int line)
        {
            string location = $"{program}({line},";
            Assert.True(
                lines.Any(l => l.Contains(location, StringComparison.Ordinal) && l.Contains($"error {id}:", StringComparison.Ordinal)),
                $"No '{location}…): error {id}:' in the build output.{Environment.NewLine}{build}");
        }
    }

    private static string[] Field(string[] lines, string key, string failure)
    {
        string line = lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"No '{key}' line in the output.{Environment.NewLine}{failure}");
        return line[(key.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static HashSet<string> EntryNames(ZipArchive package) =>
        package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

    private static XDocument Nuspec(ZipArchive package)
    {
        var entry = Assert.Single(package.Entries, e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    private static XElement? Element(XDocument nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name);

    private static Dictionary<string, string> Dependencies(XDocument nuspec, string targetFramework)
    {
        var group = nuspec.Descendants()
            .Where(e => e.Name.LocalName == "group")
            .SingleOrDefault(e => string.Equals((string?)e.Attribute("targetFramework"), targetFramework, StringComparison.OrdinalIgnoreCase))
            ?? throw new Xunit.Sdk.XunitException($"No dependency group for {targetFramework} in:{Environment.NewLine}{nuspec}");
        return group.Elements()
            .Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!, StringComparer.Ordinal);
    }

    private static string Hash(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private async Task<PackedFeed> GetFeedAsync()
    {
        var feed = await fixture.GetFeedAsync();
        output.WriteLine($"Packed {feed.Version} in {feed.Pack.Duration.TotalSeconds:F1} s into {feed.Directory}");
        return feed;
    }

    private void Log(CommandResult result, bool withOutput)
    {
        string outcome = result.TimedOut ? "timed out" : $"exit {result.ExitCode}";
        output.WriteLine($"{result.CommandLine}: {outcome} in {result.Duration.TotalSeconds:F1} s");
        if (withOutput)
        {
            output.WriteLine(result.Output);
        }
    }
}
