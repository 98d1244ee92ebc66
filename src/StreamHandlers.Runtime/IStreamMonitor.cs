using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StreamHandlers;

/// <summary>Reports the health of streams: length, consumer groups, consumers, pending entries and lag.</summary>
public interface IStreamMonitor
{
    /// <summary>
    /// The stream's length (<c>XLEN</c>) and its consumer groups (<c>XINFO GROUPS</c>). A stream that does not
    /// exist has length 0 and no groups.
    /// </summary>
    /// <param name="stream">The stream key.</param>
    /// <param name="cancellationToken">Cancels the wait for the server's replies.</param>
    Task<StreamHealth> GetHealthAsync(string stream, CancellationToken cancellationToken = default);
}

/// <summary>The health of one stream, as the server reports it.</summary>
/// <param name="Stream">The stream key.</param>
/// <param name="Length">How many entries the stream holds.</param>
/// <param name="Groups">Its consumer groups.</param>
public sealed record StreamHealth(string Stream, long Length, IReadOnlyList<GroupHealth> Groups)
{
    /// <summary>How many consumer groups read the stream.</summary>
    public int GroupCount => Groups.Count;

    /// <summary>Consumers over all groups.</summary>
    public int ConsumerCount => Groups.Sum(g => g.Consumers);

    /// <summary>Entries delivered but not yet acknowledged, over all groups.</summary>
    public long Pending => Groups.Sum(g => g.Pending);

    /// <summary>One line, for logs and consoles: <c>ai:tasks: length 10, 1 group(s), 2 consumer(s), 0 pending; workers: …</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder()
            .Append(Stream).Append(": length ").Append(Length)
            .Append(", ").Append(GroupCount).Append(" group(s), ")
            .Append(ConsumerCount).Append(" consumer(s), ")
            .Append(Pending).Append(" pending");
        foreach (var group in Groups)
        {
            text.Append("; ").Append(group);
        }

        return text.ToString();
    }
}

/// <summary>The health of one consumer group.</summary>
/// <param name="Name">The group name.</param>
/// <param name="Consumers">How many consumers the group has.</param>
/// <param name="Pending">Entries delivered to the group's consumers and not yet acknowledged.</param>
/// <param name="Lag">
/// Entries added to the stream that the group has not read yet; <see langword="null"/> when the server cannot tell
/// (after deletions in the stream, for example).
/// </param>
/// <param name="LastDeliveredId">The id of the last entry delivered to the group.</param>
public sealed record GroupHealth(string Name, int Consumers, long Pending, long? Lag, string LastDeliveredId)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {Consumers} consumer(s), {Pending} pending, lag {(Lag is { } lag ? lag.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown")}, last delivered {LastDeliveredId}";
}
