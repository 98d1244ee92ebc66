using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>
/// The stream commands of the consume loop, in one place. Keys are always passed as <see cref="RedisKey"/>, also
/// in raw commands, so that every command is routed by its key's slot on a cluster.
/// </summary>
internal static class StreamCommands
{
    private static readonly RedisValue NewEntriesId = "$";
    private static readonly RedisValue BeginningId = "0";

    /// <summary>
    /// <c>XGROUP CREATE key group $|0 MKSTREAM</c>. Returns <see langword="false"/> when the group existed
    /// already (BUSYGROUP), which is fine.
    /// </summary>
    /// <param name="database">The shared connection's database.</param>
    /// <param name="stream">The stream key.</param>
    /// <param name="group">The group name.</param>
    /// <param name="start">Where a new group starts.</param>
    /// <param name="afterId">When set, the group starts after this id instead (recreating a vanished group).</param>
    public static async Task<bool> CreateGroupAsync(IDatabaseAsync database, RedisKey stream, string group, StreamStart start, RedisValue afterId)
    {
        var position = !afterId.IsNull ? afterId : start == StreamStart.Beginning ? BeginningId : NewEntriesId;
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
    /// <c>XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS key id</c> on a connection used for nothing else: the
    /// server holds the read until an entry arrives or <paramref name="block"/> runs out, so an idle loop costs
    /// nothing and a new entry arrives at once. The shared multiplexer refuses blocking commands, hence the raw call.
    /// </summary>
    public static async Task<StreamEntry[]> ReadGroupAsync(IDatabaseAsync database, RedisKey stream, string group, string consumer, int count, TimeSpan block, string id = ">")
    {
        var result = await database.ExecuteAsync(
            "XREADGROUP",
            new object[]
            {
                "GROUP", group, consumer,
                "COUNT", count,
                "BLOCK", (long)block.TotalMilliseconds,
                "STREAMS", stream, id,
            }).ConfigureAwait(false);
        return ParseReadReply(result);
    }

    /// <summary><c>XACK key group id…</c>.</summary>
    public static Task<long> AckAsync(IDatabaseAsync database, RedisKey stream, string group, RedisValue[] ids) =>
        database.StreamAcknowledgeAsync(stream, group, ids);

    /// <summary><c>XACK key group id</c>.</summary>
    public static Task<long> AckAsync(IDatabaseAsync database, RedisKey stream, string group, RedisValue id) =>
        database.StreamAcknowledgeAsync(stream, group, id);

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
        var entriesReply = result.Resp3Type == ResultType.Map ? result[1] : result[0][1];
        if (entriesReply.IsNull || entriesReply.Length == 0)
        {
            return [];
        }

        var entries = new StreamEntry[entriesReply.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entriesReply[i];
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
}
