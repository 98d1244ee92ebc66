using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary><see cref="IDeadLetters"/> over the shared connection.</summary>
internal sealed class DeadLetters(RedisConnections connections) : IDeadLetters
{
    private const int Batch = 100;

    // Moves entries back to their source streams and deletes them from the dead-letter stream, atomically.
    // KEYS[1] the dead-letter stream, KEYS[2…] the source streams (declared so that the script routes and is
    // allowed to write them); ARGV the entry ids. An id already gone (replayed or deleted meanwhile) is skipped.
    private const string ReplayScript = """
        local moved = 0
        for i = 1, #ARGV do
          local found = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
          if #found == 1 then
            local fields = found[1][2]
            local source = nil
            local original = {}
            for f = 1, #fields, 2 do
              local name = fields[f]
              if name == 'dlq:source-stream' then source = fields[f + 1]
              elseif string.sub(name, 1, 4) ~= 'dlq:' then
                original[#original + 1] = name
                original[#original + 1] = fields[f + 1]
              end
            end
            if source and #original > 0 then
              redis.call('XADD', source, '*', unpack(original))
              redis.call('XDEL', KEYS[1], ARGV[i])
              moved = moved + 1
            end
          end
        end
        return moved
        """;

    public async Task<IReadOnlyList<StreamEntry>> ReadAsync(string deadLetterStream, int count = 100, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deadLetterStream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var database = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
        return await database.StreamRangeAsync(deadLetterStream, "-", "+", count).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ReplayAsync(string deadLetterStream, IEnumerable<string>? ids = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deadLetterStream);
        var database = (await connections.GetSharedAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
        var moved = 0;
        if (ids is not null)
        {
            var list = ids.ToList();
            if (list.FirstOrDefault(id => !IsEntryId(id)) is { } bad)
            {
                throw new ArgumentException($"'{bad}' is not a stream entry id (expected 'milliseconds-sequence', for example '1718000000000-0').", nameof(ids));
            }

            foreach (var batch in list.Chunk(Batch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entries = new List<StreamEntry>(batch.Length);
                foreach (var id in batch)
                {
                    entries.AddRange(await database.StreamRangeAsync(deadLetterStream, id, id, 1).ConfigureAwait(false));
                }

                moved += await MoveAsync(database, deadLetterStream, entries).ConfigureAwait(false);
            }

            return moved;
        }

        // All of them: oldest first, a batch at a time, until the stream is empty or nothing more can move.
        var after = (RedisValue)"-";
        while (!cancellationToken.IsCancellationRequested)
        {
            var entries = await database.StreamRangeAsync(deadLetterStream, after, "+", Batch).ConfigureAwait(false);
            if (entries.Length == 0)
            {
                break;
            }

            moved += await MoveAsync(database, deadLetterStream, entries).ConfigureAwait(false);
            after = "(" + entries[^1].Id;
        }

        return moved;
    }

    private static bool IsEntryId(string? id)
    {
        var dash = id?.IndexOf('-') ?? -1;
        return dash > 0 && dash < id!.Length - 1 && id.AsSpan(0, dash).IndexOfAnyExceptInRange('0', '9') < 0 && id.AsSpan(dash + 1).IndexOfAnyExceptInRange('0', '9') < 0;
    }

    private static async Task<int> MoveAsync(IDatabase database, RedisKey deadLetterStream, IReadOnlyCollection<StreamEntry> entries)
    {
        if (entries.Count == 0)
        {
            return 0;
        }

        var sources = entries
            .Select(e => e[StreamFields.DeadLetterSourceStream])
            .Where(s => !s.IsNull)
            .Select(s => (RedisKey)(string)s!)
            .Distinct()
            .ToArray();
        var keys = new RedisKey[sources.Length + 1];
        keys[0] = deadLetterStream;
        sources.CopyTo(keys, 1);
        var result = await database.ScriptEvaluateAsync(ReplayScript, keys, [.. entries.Select(e => e.Id)]).ConfigureAwait(false);
        return (int)result;
    }
}
