using System;
using System.Collections.Generic;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// Walks an object graph through its fields (where records, auto-properties, arrays, <c>EquatableArray</c> and
/// <c>ImmutableArray</c> keep their state) and lists every Roslyn object that a pipeline model must not hold: such an
/// object is never equal across runs and keeps a whole compilation alive.
/// </summary>
internal static class ModelWalker
{
    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol),
        typeof(SyntaxNode),
        typeof(SyntaxTree),
        typeof(SemanticModel),
        typeof(Compilation),
        typeof(Location),
    ];

    /// <summary>The paths (like <c>root.Handlers._items[0].Stream</c>) at which a forbidden object was found.</summary>
    public static List<string> FindRoslynObjects(object? root, string rootName)
    {
        var found = new List<string>();
        Walk(root, rootName, new HashSet<object>(ReferenceEqualityComparer.Instance), found, depth: 0);
        return found;
    }

    private static void Walk(object? value, string path, HashSet<object> seen, List<string> found, int depth)
    {
        if (value is null)
        {
            return;
        }

        var type = value.GetType();
        foreach (var forbidden in Forbidden)
        {
            if (forbidden.IsInstanceOfType(value))
            {
                found.Add($"{path}: {type.FullName}");
                return;
            }
        }

        // Leaves: plain data, and the descriptors of diagnostics, which are immutable, equatable and hold only text.
        if (type.IsPrimitive || type.IsEnum || type.IsPointer || value is string or decimal or DiagnosticDescriptor or Type or Delegate or Pointer)
        {
            return;
        }

        if (!type.IsValueType && !seen.Add(value))
        {
            return;
        }

        if (depth > 100)
        {
            throw new InvalidOperationException($"The model is nested deeper than 100 levels at {path}.");
        }

        if (value is Array array)
        {
            var index = 0;
            foreach (var item in array)
            {
                Walk(item, $"{path}[{index++}]", seen, found, depth + 1);
            }

            return;
        }

        for (var declaring = type; declaring is not null && declaring != typeof(object) && declaring != typeof(ValueType); declaring = declaring.BaseType)
        {
            foreach (var field in declaring.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.GetValue(value), $"{path}.{field.Name}", seen, found, depth + 1);
            }
        }
    }
}
