using System;

namespace StreamHandlers;

/// <summary>
/// Names the stream entry field of a property of a <see cref="StreamFieldsAttribute"/> type, when it is not to be
/// named as the property.
/// </summary>
/// <remarks>
/// On a positional record parameter, write <c>[property: StreamField("name")]</c>; a <c>[StreamField("name")]</c> on the
/// parameter itself is read the same way.
/// </remarks>
/// <example>
/// <code>
/// [StreamFields]
/// public sealed record Order(string Id, [property: StreamField("at")] DateTimeOffset CreatedAt)
/// {
///     [StreamField("note")]
///     public string? Comment { get; init; }
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class StreamFieldAttribute : Attribute
{
    /// <summary>Names the entry field of this property <paramref name="name"/>.</summary>
    /// <param name="name">The field name, for example <c>"created_at"</c>. Field names are case-sensitive.</param>
    public StreamFieldAttribute(string name)
    {
        Name = name;
    }

    /// <summary>The entry field's name.</summary>
    public string Name { get; }
}
