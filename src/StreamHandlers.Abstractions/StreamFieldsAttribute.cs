using System;

namespace StreamHandlers;

/// <summary>
/// Maps a type to the fields of a stream entry, one field per public property, instead of JSON in a <c>data</c> field.
/// </summary>
/// <remarks>
/// <para>
/// The StreamHandlers source generator writes the mapping both ways at compile time, with no reflection. Each public
/// instance property with a getter becomes one entry field, named as the property unless
/// <see cref="StreamFieldAttribute"/> names it otherwise. Values are written in the invariant culture: numbers as
/// <c>12.5</c>, <see cref="bool"/> as <c>true</c>/<c>false</c>, enums by name, <see cref="DateTime"/> and
/// <see cref="DateTimeOffset"/> in ISO 8601 round-trip form, <see cref="TimeSpan"/> as <c>[-][d.]hh:mm:ss[.fffffff]</c>,
/// <see cref="Guid"/> as <c>00000000-0000-0000-0000-000000000000</c>, and <c>byte[]</c> as base64. A nullable property
/// whose value is null writes no field.
/// </para>
/// <para>
/// Supported property types: <see cref="string"/>, <see cref="bool"/>, the integer types, <see cref="float"/>,
/// <see cref="double"/>, <see cref="decimal"/>, enums, <see cref="Guid"/>, <see cref="DateTime"/>,
/// <see cref="DateTimeOffset"/>, <see cref="TimeSpan"/>, <c>byte[]</c>, and their nullable forms.
/// </para>
/// <para>
/// <c>IStreamPublisher.PublishAsync</c> writes such a type field by field, and a <see cref="StreamHandlerAttribute"/>
/// method whose message parameter has this type reads it field by field. A missing non-nullable field or a value that
/// cannot be parsed is a binding failure: the entry is dead-lettered at once. The type is created through a public or
/// internal constructor whose parameters are named as its properties (as a positional record's are), and its other
/// settable properties are set in an object initializer.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// [StreamFields]
/// public sealed record Order(string Id, decimal Amount, [property: StreamField("at")] DateTimeOffset CreatedAt);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class StreamFieldsAttribute : Attribute
{
}
