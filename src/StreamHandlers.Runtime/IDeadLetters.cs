using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace StreamHandlers;

/// <summary>Reads dead-letter streams and moves their entries back to where they came from.</summary>
public interface IDeadLetters
{
    /// <summary>The oldest <paramref name="count"/> entries of a dead-letter stream (<c>XRANGE dlq - + COUNT n</c>), with all their fields.</summary>
    /// <param name="deadLetterStream">The dead-letter stream, for example <c>"ai:tasks:dlq"</c>.</param>
    /// <param name="count">How many entries at most.</param>
    /// <param name="cancellationToken">Cancels the wait for the server's reply.</param>
    Task<IReadOnlyList<StreamEntry>> ReadAsync(string deadLetterStream, int count = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves entries (all, or those <paramref name="ids"/>) back to the stream named by their
    /// <c>dlq:source-stream</c> field, with their original fields only (every <c>dlq:*</c> field removed), and
    /// deletes them from the dead-letter stream in the same atomic step. The replayed entries get new ids, so
    /// the consumer groups of the source stream deliver them again.
    /// </summary>
    /// <param name="deadLetterStream">The dead-letter stream.</param>
    /// <param name="ids">The entries to move; <see langword="null"/> for all of them.</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <returns>How many entries were moved.</returns>
    Task<int> ReplayAsync(string deadLetterStream, IEnumerable<string>? ids = null, CancellationToken cancellationToken = default);
}
