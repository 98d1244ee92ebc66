using System.Threading.Tasks;
using StackExchange.Redis;
using StreamHandlers.Testing;

namespace StreamHandlers.Runtime.Tests.Infrastructure;

/// <summary>Shorthands for the server state that tests assert on.</summary>
public static class ServerState
{
    /// <summary>XPENDING key group: how many entries the group has delivered and not acknowledged.</summary>
    public static async Task<long> PendingAsync(IDatabase db, string stream, string group) =>
        (await db.StreamPendingAsync(stream, group)).PendingMessageCount;

    /// <summary>XINFO GROUPS key, the one group named <paramref name="group"/>.</summary>
    public static async Task<StreamGroupInfo> GroupAsync(IDatabase db, string stream, string group)
    {
        foreach (var info in await db.StreamGroupInfoAsync(stream))
        {
            if (info.Name == group)
            {
                return info;
            }
        }

        throw new Xunit.Sdk.XunitException($"Stream '{stream}' has no consumer group '{group}'.");
    }

    /// <summary>The value of <paramref name="field"/> in <paramref name="entry"/>, or null.</summary>
    public static RedisValue Field(StreamEntry entry, string field)
    {
        foreach (var value in entry.Values)
        {
            if (value.Name == field)
            {
                return value.Value;
            }
        }

        return RedisValue.Null;
    }
}

/// <summary>A server and an admin connection to it, for a test's assertions and hand-written commands.</summary>
public sealed class TestServer : System.IAsyncDisposable
{
    private TestServer(RedisServer server, ConnectionMultiplexer connection)
    {
        Server = server;
        Connection = connection;
    }

    public RedisServer Server { get; }

    public ConnectionMultiplexer Connection { get; }

    public IDatabase Db => Connection.GetDatabase();

    public static async Task<TestServer> StartAsync(ServerKind kind)
    {
        var server = await RedisServer.StartAsync(kind);
        try
        {
            return new TestServer(server, await server.ConnectAsync());
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.CloseAsync(allowCommandsToComplete: false);
        Connection.Dispose();
        await Server.DisposeAsync();
    }
}
