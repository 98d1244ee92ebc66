using StreamHandlers.Generator.Helpers;

namespace StreamHandlers.Generator.Models;

/// <summary>The property types a stream field can hold; each has one text form, written in the invariant culture.</summary>
internal enum FieldKind
{
    String,
    Boolean,
    Byte,
    SByte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Single,
    Double,
    Decimal,
    Enum,
    Guid,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    ByteArray,
}

/// <summary>
/// One property of a <c>[StreamFields]</c> type and the entry field it maps to. <see cref="TypeName"/> is the property's
/// type without <c>?</c> (the enum type for <see cref="FieldKind.Enum"/>), fully qualified with <c>global::</c>.
/// <see cref="Nullable"/> means a null value writes no field and a missing field reads as null.
/// </summary>
internal sealed record FieldSpec(string PropertyName, string FieldName, FieldKind Kind, bool Nullable, string TypeName);

/// <summary>One constructor parameter and the property whose field it is read from.</summary>
internal sealed record ConstructorArgumentSpec(string ParameterName, string PropertyName);

/// <summary>
/// How a mapper creates the type: a constructor call with <see cref="Arguments"/> (none: the parameterless one), then an
/// object initializer setting <see cref="InitializedProperties"/>. Fields in neither are written and not read back.
/// </summary>
internal sealed record ConstructionSpec(
    EquatableArray<ConstructorArgumentSpec> Arguments,
    EquatableArray<string> InitializedProperties);

/// <summary>
/// A <c>[StreamFields]</c> type: everything the emitter needs to write its mapper. <see cref="TypeName"/> is fully
/// qualified with <c>global::</c>; <see cref="DisplayName"/> is the C# name (<c>Shop.Order</c>), for hint names and messages.
/// </summary>
internal sealed record StreamFieldsSpec(
    string Namespace,
    string TypeName,
    string DisplayName,
    ConstructionSpec Construction,
    EquatableArray<FieldSpec> Fields);

/// <summary>What parsing one <c>[StreamFields]</c> type produced: a spec, or the diagnostics that stop it.</summary>
internal sealed record StreamFieldsParseResult(StreamFieldsSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
