using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace AiTasks;

/// <summary>Counts what the demo's handlers saw, so that the demo can end once everything has flowed through.</summary>
public sealed class DemoProgress
{
    private readonly ConcurrentDictionary<string, bool> _handled = new();
    private int _events;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Expected { get; set; }

    public int Handled => _handled.Count;

    public int Events => Volatile.Read(ref _events);

    public Task Done => _done.Task;

    public void TaskHandled(string taskId)
    {
        _handled.TryAdd(taskId, true);
        CheckDone();
    }

    public void EventReceived(string channel, string message)
    {
        Console.WriteLine($"  [subscriber] {channel}: {message}");
        Interlocked.Increment(ref _events);
        CheckDone();
    }

    private void CheckDone()
    {
        if (Expected > 0 && Handled >= Expected && Events >= Expected)
        {
            _done.TrySetResult();
        }
    }
}
