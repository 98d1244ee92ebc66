using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>
/// The stream commands of the consume loop, in one place. Keys are always passed as <see cref="RedisKey"/>, also
/// in raw commands and scripts, so that every command is routed by its key's slot on a cluster.
/// </summary>
internal static class StreamCommands
{

    // Refreshes the idle time of entries, or claims them again for a retry, but only those still pending on this
    // consumer: an entry another consumer has claimed in the meantime is left alone, never taken back.
    // KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] 'JUSTID' or 'ENTRIES', ARGV[4…] ids.
    private const string ClaimOwnScript = """
        local claim = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
        local owned = {}
        for i = 4, #ARGV do
          local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
          if p[1] and p[1][2] == ARGV[2] then
            owned[#owned + 1] = ARGV[i]
            claim[#claim + 1] = ARGV[i]
          end
        end
        if #owned == 0 then return {} end
        if ARGV[3] == 'JUSTID' then
          claim[#claim + 1] = 'JUSTID'
          redis.call(unpack(claim))
          return owned
        end
        return redis.call(unpack(claim))
        """;

    // Deletes a consumer only if it has no pending entries, in one atomic step: XGROUP DELCONSUMER would
    // otherwise drop the pending entries of a consumer that became busy between a check and the delete.
    // KEYS[1] stream; ARGV[1] group, ARGV[2] consumer.
    private const string DeleteIdleConsumerScript = """
        local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
        if #p > 0 then return -1 end
        return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
        """;

    /// <summary>
    /// <c>XGROUP CREATE key group position MKSTREAM</c>. Returns <see langword="false"/> when the group existed
    /// already (BUSYGROUP), which is fine.
    /// </summary>
    /// <param name="database">The shared connection's database.</param>
    /// <param name="stream">The stream key.</param>
    /// <param name="group">The group name.</param>
    /// <param name="position"><c>$</c>, <c>0</c>, or the id after which the group starts.</param>
    public static async Task<bool> CreateGroupAsync(IDatabaseAsync database, RedisKey stream, string group, RedisValue position)
    {
        try
        {
            return await database.StreamCreateConsumerGroupAsync(stream, group, position, createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            return false;
        }
    }

    /// <summary>
    /// <c>XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS key &gt;</c> on a connection used for nothing else: the
    /// server holds the read until an entry arrives or <paramref name="block"/> runs out, so an idle loop costs
    /// nothing and a new entry arrives at once. The shared multiplexer refuses blocking commands, hence the raw call.
    /// </summary>
    public static async Task<StreamEntry[]> ReadGroupBlockingAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, int count, TimeSpan block)
    {
        var result = await database.ExecuteAsync(
            "XREADGROUP",
            new object[]
            {
                "GROUP", group, consumer,
                "COUNT", count,
                "BLOCK", (long)block.TotalMilliseconds,
                "STREAMS", stream, ">",
            }).ConfigureAwait(false);
        return ParseReadReply(result);
    }

    /// <summary>
    /// <c>XREADGROUP GROUP g c COUNT n STREAMS key &gt;</c> without BLOCK: used on the shared connection, several
    /// in flight at once, while a backlog lasts.
    /// </summary>
    public static Task<StreamEntry[]> ReadGroupAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, int count) =>
        database.StreamReadGroupAsync(stream, group, consumer, StreamPosition.NewMessages, count);

    /// <summary><c>CLIENT ID</c> of a dedicated read connection, to unblock its read on stop; null where the server refuses it.</summary>
    public static async Task<long?> TryGetClientIdAsync(IDatabaseAsync database)
    {
        try
        {
            return (long)await database.ExecuteAsync("CLIENT", "ID").ConfigureAwait(false);
        }
        catch (RedisException)
        {
            return null;
        }
    }

    /// <summary><c>CLIENT UNBLOCK id</c>: the client's blocked read returns at once, as if its time had run out.</summary>
    public static Task UnblockAsync(IDatabaseAsync database, long clientId) =>
        database.ExecuteAsync("CLIENT", "UNBLOCK", clientId);

    /// <summary><c>XACK key group id…</c>.</summary>
    public static Task<long> AckAsync(IDatabaseAsync database, RedisKey stream, string group, RedisValue[] ids) =>
        database.StreamAcknowledgeAsync(stream, group, ids);

    /// <summary>Refreshes the idle time of entries still pending on <paramref name="consumer"/> (no delivery counted); returns those ids.</summary>
    public static async Task<RedisValue[]> KeepAliveAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, IReadOnlyList<RedisValue> ids)
    {
        var result = await database.ScriptEvaluateAsync(ClaimOwnScript, [stream], ClaimArguments(group, consumer, "JUSTID", ids)).ConfigureAwait(false);
        return result.IsNull ? [] : (RedisValue[])result!;
    }

    /// <summary>
    /// Claims again, for a retry, the entries still pending on <paramref name="consumer"/>: the server counts a
    /// delivery. Entries whose data is gone are not returned.
    /// </summary>
    public static async Task<StreamEntry[]> ClaimForRetryAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, IReadOnlyList<RedisValue> ids)
    {
        var result = await database.ScriptEvaluateAsync(ClaimOwnScript, [stream], ClaimArguments(group, consumer, "ENTRIES", ids)).ConfigureAwait(false);
        return ParseEntries(result);
    }

    /// <summary>
    /// <c>XAUTOCLAIM key group consumer min-idle cursor COUNT n</c>: entries left pending by consumers that stopped.
    /// </summary>
    public static Task<StreamAutoClaimResult> AutoClaimAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, long minIdleMs, RedisValue cursor, int count) =>
        database.StreamAutoClaimAsync(stream, group, consumer, minIdleMs, cursor, count);

    /// <summary><c>XPENDING key group IDLE 0 first last count consumer</c>: delivery counts of entries just claimed.</summary>
    public static Task<StreamPendingMessageInfo[]> PendingAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, RedisValue first, RedisValue last, int count) =>
        database.StreamPendingMessagesAsync(stream, group, count, consumer, first, last);

    /// <summary>
    /// <c>XCLAIM key group consumer 0 id… IDLE ms JUSTID</c>: makes entries this consumer will not start (it is
    /// stopping) claimable by the other consumers at once, without counting a delivery.
    /// </summary>
    public static Task HandBackAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, IReadOnlyList<RedisValue> ids, long idleMs)
    {
        var arguments = new List<object>(ids.Count + 8) { stream, group, consumer, 0 };
        foreach (var id in ids)
        {
            arguments.Add(id);
        }

        arguments.Add("IDLE");
        arguments.Add(idleMs);
        arguments.Add("JUSTID");
        return database.ExecuteAsync("XCLAIM", arguments);
    }

    /// <summary><c>XINFO CONSUMERS key group</c>.</summary>
    public static Task<StreamConsumerInfo[]> ConsumersAsync(IDatabaseAsync database, RedisKey stream, string group) =>
        database.StreamConsumerInfoAsync(stream, group);

    /// <summary>Deletes <paramref name="consumer"/> if, at that moment, it has no pending entries.</summary>
    public static async Task<bool> DeleteIdleConsumerAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer)
    {
        var result = await database.ScriptEvaluateAsync(DeleteIdleConsumerScript, [stream], [group, consumer]).ConfigureAwait(false);
        return (long)result >= 0;
    }

    /// <summary>
    /// Copies an entry to the dead-letter stream with all its fields plus the <c>dlq:*</c> fields, and acknowledges
    /// it, in one MULTI/EXEC: a crash can neither lose the entry nor leave it in both places.
    /// </summary>
    public static async Task DeadLetterAsync(IDatabase database, RedisKey stream, string group, RedisKey deadLetterStream, StreamEntry entry, NameValueEntry[] deadLetterFields)
    {
        var original = entry.Values ?? [];
        var fields = new NameValueEntry[original.Length + deadLetterFields.Length];
        original.CopyTo(fields, 0);
        deadLetterFields.CopyTo(fields, original.Length);

        var transaction = database.CreateTransaction();
        _ = transaction.StreamAddAsync(deadLetterStream, fields);
        _ = transaction.StreamAcknowledgeAsync(stream, group, entry.Id);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException($"The dead-letter transaction for entry {entry.Id} of '{stream}' was not executed.");
        }
    }

    /// <summary>
    /// Reads an XREADGROUP reply, RESP2 (<c>[[key, [[id, [f, v, …]], …]]]</c>) or RESP3 (<c>{key: [[id, [f, v, …]], …]}</c>);
    /// a null reply means the block ran out with nothing new.
    /// </summary>
    internal static StreamEntry[] ParseReadReply(RedisResult result)
    {
        if (result.IsNull || result.Length == 0)
        {
            return [];
        }

        // One stream was asked for: RESP3 gives a map [key, entries]; RESP2 an array of [key, entries] pairs.
        return ParseEntries(result.Resp3Type == ResultType.Map ? result[1] : result[0][1]);
    }

    /// <summary>Reads an array of <c>[id, [f, v, …]]</c> entries; an entry whose data is gone has a null field list.</summary>
    internal static StreamEntry[] ParseEntries(RedisResult entriesReply)
    {
        if (entriesReply.IsNull || entriesReply.Length == 0)
        {
            return [];
        }

        var entries = new StreamEntry[entriesReply.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entriesReply[i];
            if (entry.IsNull)
            {
                entries[i] = StreamEntry.Null;
                continue;
            }

            var id = (RedisValue)entry[0];
            var fieldsReply = entry[1];
            if (fieldsReply.IsNull)
            {
                // A pending entry whose data was trimmed or deleted since it was delivered.
                entries[i] = new StreamEntry(id, null!);
                continue;
            }

            var values = new NameValueEntry[fieldsReply.Length / 2];
            for (var f = 0; f < values.Length; f++)
            {
                values[f] = new NameValueEntry((RedisValue)fieldsReply[2 * f], (RedisValue)fieldsReply[(2 * f) + 1]);
            }

            entries[i] = new StreamEntry(id, values);
        }

        return entries;
    }

    private static RedisValue[] ClaimArguments(string group, string consumer, string mode, IReadOnlyList<RedisValue> ids)
    {
        var arguments = new RedisValue[ids.Count + 3];
        arguments[0] = group;
        arguments[1] = consumer;
        arguments[2] = mode;
        for (var i = 0; i < ids.Count; i++)
        {
            arguments[i + 3] = ids[i];
        }

        return arguments;
    }
}
