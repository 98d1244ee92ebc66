namespace AiTasks;

/// <summary>A unit of work for the AI workers, written to the <c>ai:tasks</c> stream as JSON.</summary>
public sealed record AiTask(string TaskId, string Prompt, string Model);

/// <summary>An event announced on the <c>ai:events</c> channel.</summary>
public sealed record AiEvent(string Kind, string TaskId);
