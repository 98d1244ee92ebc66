using System;
using System.Linq;
using System.Threading.Tasks;
using StreamHandlers.Benchmarks;
using StreamHandlers.Testing;

// Usage: dotnet run -c Release --project benchmarks/StreamHandlers.Benchmarks -- [streams] [publish] [pubsub] [valkey|redis]
// Starts its own server on a free loopback port and prints each benchmark's figures with ratios against a
// baseline measured in the same run.
var kind = args.Contains("redis", StringComparer.OrdinalIgnoreCase) ? ServerKind.Redis : ServerKind.Valkey;
var selected = args.Where(a => a is not ("valkey" or "redis")).ToArray();
bool Wants(string name) => selected.Length == 0 || selected.Contains(name, StringComparer.OrdinalIgnoreCase);

await using var server = await RedisServer.StartAsync(kind);
Console.WriteLine($"StreamHandlers benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}");

if (selected.Contains("profile-streams"))
{
    await StreamBenchmark.ProfileAsync(server);
    return 0;
}

if (Wants("streams"))
{
    await StreamBenchmark.RunAsync(server);
}

if (Wants("publish"))
{
    await PublishBenchmark.RunAsync(server);
}

if (Wants("pubsub"))
{
    await PubSubBenchmark.RunAsync(server);
}

return 0;
