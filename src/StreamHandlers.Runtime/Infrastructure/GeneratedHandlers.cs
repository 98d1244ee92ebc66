using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace StreamHandlers.Infrastructure;

/// <summary>
/// The registrations that generated code hands over when its assembly loads. Plumbing for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedHandlers
{
    private static readonly object Gate = new();
    private static readonly List<Action<HandlerRegistrationBuilder>> Registrations = [];

    /// <summary>Adds an assembly's registration; adding the same one twice has no effect.</summary>
    /// <param name="register">Adds the assembly's handlers to a builder.</param>
    public static void Add(Action<HandlerRegistrationBuilder> register)
    {
        ArgumentNullException.ThrowIfNull(register);
        lock (Gate)
        {
            if (!Registrations.Contains(register))
            {
                Registrations.Add(register);
            }
        }
    }

    /// <summary>The registrations added so far, in the order they were added.</summary>
    internal static Action<HandlerRegistrationBuilder>[] Snapshot()
    {
        lock (Gate)
        {
            return [.. Registrations];
        }
    }
}
