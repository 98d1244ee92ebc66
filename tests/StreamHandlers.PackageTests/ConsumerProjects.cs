using System;
using System.IO;
using System.Security;

namespace StreamHandlers.PackageTests;

/// <summary>The files of a user's projects that reference the packed StreamHandlers.Runtime.</summary>
public static class ConsumerProjects
{
    /// <summary>The project with a working handler and subscriber.</summary>
    public const string HandlerConsumerName = "PackageConsumer";

    /// <summary>The project whose handlers the generator must reject.</summary>
    public const string BadConsumerName = "BadHandlerConsumer";

    /// <summary>A line of <see cref="BadProgram"/> that has a handler returning <c>int</c> (SH0001).</summary>
    public const string ReturnsIntMarker = "public static int ReturnsInt(";

    /// <summary>A line of <see cref="BadProgram"/> that has a handler with no parameters (SH0002).</summary>
    public const string NoParametersMarker = "public static void HasNoParameters(";

    /// <summary>
    /// The program of the working project: a DI-created stream handler and a static channel subscriber, published to
    /// through the publishers from DI. Prints <c>PUBLISHED id</c>, <c>HANDLED job-id entry-id</c> and <c>RECEIVED message</c>,
    /// and exits 0; or prints <c>TIMEOUT</c> and exits 1 when either has not run within 20 s.
    /// </summary>
    public const string HandlerProgram = """
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using Microsoft.Extensions.Logging;
        using PackageConsumer;
        using StreamHandlers;

        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: PackageConsumer <redis-configuration>");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddStreamHandlers(o => o.Configuration = args[0]);
        builder.Services.AddSingleton<Progress>();

        using var host = builder.Build();
        await host.StartAsync();

        var progress = host.Services.GetRequiredService<Progress>();
        var streams = host.Services.GetRequiredService<IStreamPublisher>();
        var channels = host.Services.GetRequiredService<IChannelPublisher>();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var job = new Job(Guid.NewGuid().ToString("N"), "package test");
        var message = "hello-" + job.Id;
        try
        {
            var entryId = await streams.PublishAsync("pkg:tasks", job, timeout.Token);
            Console.WriteLine($"PUBLISHED {entryId}");

            // Pub/Sub is at-most-once: publish again until the subscriber, which may still be subscribing, has it.
            while (!progress.Received.Task.IsCompleted)
            {
                await channels.PublishAsync("pkg:events", message, timeout.Token);
                await Task.WhenAny(progress.Received.Task, Task.Delay(250, timeout.Token));
            }

            var handled = await progress.Handled.Task.WaitAsync(timeout.Token);
            Console.WriteLine($"HANDLED {handled.Job.Id} {handled.EntryId}");
            Console.WriteLine($"RECEIVED {await progress.Received.Task}");
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"TIMEOUT handled={progress.Handled.Task.IsCompleted} received={progress.Received.Task.IsCompleted}");
            await host.StopAsync();
            return 1;
        }

        await host.StopAsync();
        return 0;

        namespace PackageConsumer
        {
            public sealed record Job(string Id, string Name);

            public sealed class Progress
            {
                public TaskCompletionSource<(Job Job, string EntryId)> Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

                public TaskCompletionSource<string> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            public sealed class JobHandlers(Progress progress)
            {
                [StreamHandler("pkg:tasks", Group = "g", Start = StreamStart.Beginning)]
                public Task HandleAsync(Job job, StreamMessageContext ctx, CancellationToken ct)
                {
                    progress.Handled.TrySetResult((job, ctx.Id));
                    return Task.CompletedTask;
                }
            }

            public static class Events
            {
                [ChannelSubscriber("pkg:events")]
                public static void OnEvent(string message, ChannelMessageContext context, Progress progress)
                {
                    progress.Received.TrySetResult(message);
                }
            }
        }

        """;

    /// <summary>The program of the project that must not build: two handlers whose signatures cannot be bound.</summary>
    public const string BadProgram = """
        using StreamHandlers;

        Console.WriteLine("This program must not build.");

        public static class BadHandlers
        {
            [StreamHandler("pkg:bad-return", Group = "g")]
            public static int ReturnsInt(string message) => message.Length;

            [StreamHandler("pkg:bad-parameters", Group = "g")]
            public static void HasNoParameters()
            {
            }
        }

        """;

    /// <summary>
    /// Writes what isolates the user's projects from any build settings above them: empty Directory.Build.props and
    /// .targets, a Directory.Packages.props that turns central package management off, and a nuget.config that adds
    /// the local feed to the machine's configured sources (no <c>clear</c>: the dependencies come from there).
    /// </summary>
    public static void WriteSharedFiles(string directory, string feedDirectory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), """
            <Project>
              <PropertyGroup>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
            </Project>

            """);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="streamhandlers-under-test" value="{SecurityElement.Escape(feedDirectory)}" />
              </packageSources>
            </configuration>

            """);
    }

    /// <summary>Writes the working project, referencing StreamHandlers.Runtime <paramref name="version"/> and the generic host only.</summary>
    public static void WriteHandlerConsumer(string directory, string version)
    {
        WriteProject(directory, HandlerConsumerName, version);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), HandlerProgram);
    }

    /// <summary>Writes the project with the bad handlers; returns the path of its Program.cs.</summary>
    public static string WriteBadConsumer(string directory, string version)
    {
        WriteProject(directory, BadConsumerName, version);
        string program = Path.Combine(directory, "Program.cs");
        File.WriteAllText(program, BadProgram);
        return program;
    }

    /// <summary>The 1-based line of <paramref name="source"/> that contains <paramref name="marker"/>.</summary>
    public static int LineOf(string source, string marker)
    {
        string[] lines = source.Split('\n');
        int index = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new ArgumentException($"'{marker}' is not in the source.", nameof(marker));
        }

        return index + 1;
    }

    private static void WriteProject(string directory, string name, string version)
    {
        Directory.CreateDirectory(directory);

        // What `dotnet new console` gives, made strict, plus the one package a user adds and the host it runs in.
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="StreamHandlers.Runtime" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.0" />
              </ItemGroup>
            </Project>

            """);
    }
}
