using System;
using System.Collections.Generic;
using System.Linq;
using StreamHandlers.Generator.Helpers;
using StreamHandlers.Generator.Models;

namespace StreamHandlers.Generator;

/// <summary>Writes the field mappers of <c>[StreamFields]</c> types, their registration and their helpers. Knows nothing of symbols.</summary>
internal static class FieldsEmitter
{
    public const string RegistrationHintName = "StreamHandlers.FieldsRegistration.g.cs";
    public const string HelpersHintName = "StreamHandlers.FieldHelpers.g.cs";

    private const string Generated = "global::StreamHandlers.Generated";
    private const string NameValueEntry = "global::StackExchange.Redis.NameValueEntry";

    /// <summary><c>{Namespace}.{Type}.Fields.g.cs</c>; '@' of escaped keywords is left out, as hint names do not allow it.</summary>
    public static string HintName(StreamFieldsSpec spec) => spec.DisplayName.Replace("@", string.Empty) + ".Fields.g.cs";

    /// <summary>The mapper of one type: <c>ToFields</c> and <c>FromFields</c>, one line per field.</summary>
    public static string EmitMapper(StreamFieldsSpec spec)
    {
        var writer = Emitter.Header();
        writer.WriteLine("namespace StreamHandlers.Generated");
        writer.OpenBrace();
        writer.WriteLine($"/// <summary>Writes <see cref=\"{spec.TypeName}\"/> as stream entry fields and reads it back, with no reflection.</summary>");
        writer.WriteLine(Emitter.GeneratedCodeAttribute);
        writer.WriteLine(Emitter.NeverBrowsable);
        writer.WriteLine($"internal sealed class {ClassName(spec)} : {Emitter.Infrastructure}.IStreamFieldsMapper<{spec.TypeName}>");
        writer.OpenBrace();
        writer.WriteLine($"private const string TypeName = {Emitter.Literal(spec.DisplayName)};");
        writer.WriteLine();

        writer.WriteLine("/// <summary>One field per property; a null nullable property writes no field.</summary>");
        using (writer.Block($"public {NameValueEntry}[] ToFields({spec.TypeName} value)"))
        {
            writer.WriteLine($"var fields = new {Generated}.StreamFieldWriter(TypeName, {spec.Fields.Count});");
            foreach (var field in spec.Fields)
            {
                writer.WriteLine($"fields.{Method(field)}({Emitter.Literal(field.FieldName)}, value.{Emitter.Identifier(field.PropertyName)});");
            }

            writer.WriteLine("return fields.ToArray();");
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>Reads the fields back; a missing non-nullable field or an unparsable value is a binding failure.</summary>");
        using (writer.Block($"public {spec.TypeName} FromFields(global::StackExchange.Redis.StreamEntry entry)"))
        {
            writer.WriteLine($"var fields = new {Generated}.StreamFieldReader(entry, TypeName);");
            WriteConstruction(writer, spec);
        }

        writer.CloseBrace();
        writer.CloseBrace();
        return writer.ToString();
    }

    /// <summary>Sets every mapper of the assembly when the assembly loads, so that the runtime finds each by its type.</summary>
    public static string EmitRegistration(IReadOnlyList<StreamFieldsSpec> specs)
    {
        var writer = Emitter.Header();
        writer.WriteLine("namespace StreamHandlers.Generated");
        writer.OpenBrace();
        writer.WriteLine("/// <summary>Hands the field mappers of this assembly's <c>[StreamFields]</c> types to the runtime, with no reflection.</summary>");
        writer.WriteLine(Emitter.GeneratedCodeAttribute);
        writer.WriteLine(Emitter.NeverBrowsable);
        writer.WriteLine("internal static class StreamFieldsRegistration");
        writer.OpenBrace();
        writer.WriteLine("// Runs when the assembly is loaded, before a message of these types can be published or bound.");
        writer.WriteLine("#pragma warning disable CA2255 // ModuleInitializer is the point here: registration without scanning.");
        writer.WriteLine("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        writer.WriteLine("#pragma warning restore CA2255");
        using (writer.Block("internal static void Initialize()"))
        {
            foreach (var spec in specs)
            {
                writer.WriteLine($"{Emitter.Infrastructure}.StreamFieldsMappers<{spec.TypeName}>.Mapper = new {Generated}.{ClassName(spec)}();");
            }
        }

        writer.CloseBrace();
        writer.CloseBrace();
        return writer.ToString();
    }

    /// <summary>The writer and reader that the mappers share: the text form of each supported type, in one place.</summary>
    public static string EmitHelpers()
    {
        var writer = Emitter.Header();
        writer.WriteLines($$"""
            namespace StreamHandlers.Generated
            {
                /// <summary>
                /// Writes the entry fields of a <c>[StreamFields]</c> type: each value as text in the invariant culture. The
                /// <c>Optional</c> forms write no field for null.
                /// </summary>
                {{Emitter.GeneratedCodeAttribute}}
                {{Emitter.NeverBrowsable}}
                internal sealed class StreamFieldWriter
                {
                    private static readonly global::System.IFormatProvider Invariant = global::System.Globalization.CultureInfo.InvariantCulture;

                    private readonly string _typeName;
                    private readonly global::StackExchange.Redis.NameValueEntry[] _fields;
                    private int _count;

                    /// <summary>A writer for at most <paramref name="capacity"/> fields of the type named <paramref name="typeName"/>.</summary>
                    public StreamFieldWriter(string typeName, int capacity)
                    {
                        _typeName = typeName;
                        _fields = new global::StackExchange.Redis.NameValueEntry[capacity];
                    }

                    /// <summary>The fields written, in order.</summary>
                    public global::StackExchange.Redis.NameValueEntry[] ToArray()
                    {
                        if (_count == _fields.Length)
                        {
                            return _fields;
                        }

                        var written = new global::StackExchange.Redis.NameValueEntry[_count];
                        global::System.Array.Copy(_fields, written, _count);
                        return written;
                    }

                    public void String(string name, string value) => Add(name, value ?? throw NullValue(name));

                    public void OptionalString(string name, string? value) => AddOptional(name, value);

                    public void Boolean(string name, bool value) => Add(name, value ? "true" : "false");

                    public void OptionalBoolean(string name, bool? value) => AddOptional(name, value is null ? null : value.Value ? "true" : "false");

                    public void Byte(string name, byte value) => Add(name, value.ToString(Invariant));

                    public void OptionalByte(string name, byte? value) => AddOptional(name, value?.ToString(Invariant));

                    public void SByte(string name, sbyte value) => Add(name, value.ToString(Invariant));

                    public void OptionalSByte(string name, sbyte? value) => AddOptional(name, value?.ToString(Invariant));

                    public void Int16(string name, short value) => Add(name, value.ToString(Invariant));

                    public void OptionalInt16(string name, short? value) => AddOptional(name, value?.ToString(Invariant));

                    public void UInt16(string name, ushort value) => Add(name, value.ToString(Invariant));

                    public void OptionalUInt16(string name, ushort? value) => AddOptional(name, value?.ToString(Invariant));

                    public void Int32(string name, int value) => Add(name, value.ToString(Invariant));

                    public void OptionalInt32(string name, int? value) => AddOptional(name, value?.ToString(Invariant));

                    public void UInt32(string name, uint value) => Add(name, value.ToString(Invariant));

                    public void OptionalUInt32(string name, uint? value) => AddOptional(name, value?.ToString(Invariant));

                    public void Int64(string name, long value) => Add(name, value.ToString(Invariant));

                    public void OptionalInt64(string name, long? value) => AddOptional(name, value?.ToString(Invariant));

                    public void UInt64(string name, ulong value) => Add(name, value.ToString(Invariant));

                    public void OptionalUInt64(string name, ulong? value) => AddOptional(name, value?.ToString(Invariant));

                    // "R": the shortest text that parses back to the same value.
                    public void Single(string name, float value) => Add(name, value.ToString("R", Invariant));

                    public void OptionalSingle(string name, float? value) => AddOptional(name, value?.ToString("R", Invariant));

                    public void Double(string name, double value) => Add(name, value.ToString("R", Invariant));

                    public void OptionalDouble(string name, double? value) => AddOptional(name, value?.ToString("R", Invariant));

                    public void Decimal(string name, decimal value) => Add(name, value.ToString(Invariant));

                    public void OptionalDecimal(string name, decimal? value) => AddOptional(name, value?.ToString(Invariant));

                    public void Enum<T>(string name, T value)
                        where T : struct, global::System.Enum => Add(name, EnumName(name, value));

                    public void OptionalEnum<T>(string name, T? value)
                        where T : struct, global::System.Enum => AddOptional(name, value is null ? null : EnumName(name, value.Value));

                    public void Guid(string name, global::System.Guid value) => Add(name, value.ToString("D"));

                    public void OptionalGuid(string name, global::System.Guid? value) => AddOptional(name, value?.ToString("D"));

                    // "O": ISO 8601 with all seven fractional digits and the kind (Z, an offset, or none for unspecified).
                    public void DateTime(string name, global::System.DateTime value) => Add(name, value.ToString("O", Invariant));

                    public void OptionalDateTime(string name, global::System.DateTime? value) => AddOptional(name, value?.ToString("O", Invariant));

                    public void DateTimeOffset(string name, global::System.DateTimeOffset value) => Add(name, value.ToString("O", Invariant));

                    public void OptionalDateTimeOffset(string name, global::System.DateTimeOffset? value) => AddOptional(name, value?.ToString("O", Invariant));

                    // "c": [-][d.]hh:mm:ss[.fffffff], the same in every culture.
                    public void TimeSpan(string name, global::System.TimeSpan value) => Add(name, value.ToString("c", Invariant));

                    public void OptionalTimeSpan(string name, global::System.TimeSpan? value) => AddOptional(name, value?.ToString("c", Invariant));

                    public void ByteArray(string name, byte[] value) => Add(name, global::System.Convert.ToBase64String(value ?? throw NullValue(name)));

                    public void OptionalByteArray(string name, byte[]? value) => AddOptional(name, value is null ? null : global::System.Convert.ToBase64String(value));

                    private void Add(string name, string text) => _fields[_count++] = new global::StackExchange.Redis.NameValueEntry(name, text);

                    private void AddOptional(string name, string? text)
                    {
                        if (text is not null)
                        {
                            Add(name, text);
                        }
                    }

                    private string EnumName<T>(string name, T value)
                        where T : struct, global::System.Enum
                    {
                        // A value without a name would be written as a number, which readers reject: fail here, not at the consumer.
                        var text = value.ToString();
                        return IsNumber(text)
                            ? throw new global::System.ArgumentException($"Field '{name}' of {_typeName} has the value {text}, which is not a named value of {typeof(T).Name}; stream fields hold enums by name.")
                            : text;
                    }

                    private global::System.ArgumentException NullValue(string name) =>
                        new global::System.ArgumentException($"Field '{name}' of {_typeName} is null, but its property is not nullable; set a value, or make the property nullable to leave the field out.");

                    private static bool IsNumber(string text) => text.Length > 0 && (char.IsDigit(text[0]) || text[0] == '-' || text[0] == '+');
                }

                /// <summary>
                /// Reads the entry fields of a <c>[StreamFields]</c> type. A missing field or an unparsable value throws
                /// <see cref="global::StreamHandlers.Infrastructure.MessageBindingException"/>, which dead-letters the entry; the
                /// <c>Optional</c> forms read a missing field as null.
                /// </summary>
                {{Emitter.GeneratedCodeAttribute}}
                {{Emitter.NeverBrowsable}}
                internal readonly struct StreamFieldReader
                {
                    private const int ShownLength = 64;
                    private const global::System.Globalization.NumberStyles Integer = global::System.Globalization.NumberStyles.Integer;
                    private const global::System.Globalization.NumberStyles Float = global::System.Globalization.NumberStyles.Float;
                    private static readonly global::System.IFormatProvider Invariant = global::System.Globalization.CultureInfo.InvariantCulture;

                    private readonly global::StackExchange.Redis.StreamEntry _entry;
                    private readonly string _typeName;

                    /// <summary>A reader of <paramref name="entry"/> for the type named <paramref name="typeName"/>.</summary>
                    public StreamFieldReader(global::StackExchange.Redis.StreamEntry entry, string typeName)
                    {
                        _entry = entry;
                        _typeName = typeName;
                    }

                    public string String(string name) => Text(name);

                    public string? OptionalString(string name) => OptionalText(name);

                    public bool Boolean(string name) => ParseBoolean(name, Text(name));

                    public bool? OptionalBoolean(string name) => OptionalText(name) is { } text ? ParseBoolean(name, text) : null;

                    public byte Byte(string name) => ParseByte(name, Text(name));

                    public byte? OptionalByte(string name) => OptionalText(name) is { } text ? ParseByte(name, text) : null;

                    public sbyte SByte(string name) => ParseSByte(name, Text(name));

                    public sbyte? OptionalSByte(string name) => OptionalText(name) is { } text ? ParseSByte(name, text) : null;

                    public short Int16(string name) => ParseInt16(name, Text(name));

                    public short? OptionalInt16(string name) => OptionalText(name) is { } text ? ParseInt16(name, text) : null;

                    public ushort UInt16(string name) => ParseUInt16(name, Text(name));

                    public ushort? OptionalUInt16(string name) => OptionalText(name) is { } text ? ParseUInt16(name, text) : null;

                    public int Int32(string name) => ParseInt32(name, Text(name));

                    public int? OptionalInt32(string name) => OptionalText(name) is { } text ? ParseInt32(name, text) : null;

                    public uint UInt32(string name) => ParseUInt32(name, Text(name));

                    public uint? OptionalUInt32(string name) => OptionalText(name) is { } text ? ParseUInt32(name, text) : null;

                    public long Int64(string name) => ParseInt64(name, Text(name));

                    public long? OptionalInt64(string name) => OptionalText(name) is { } text ? ParseInt64(name, text) : null;

                    public ulong UInt64(string name) => ParseUInt64(name, Text(name));

                    public ulong? OptionalUInt64(string name) => OptionalText(name) is { } text ? ParseUInt64(name, text) : null;

                    public float Single(string name) => ParseSingle(name, Text(name));

                    public float? OptionalSingle(string name) => OptionalText(name) is { } text ? ParseSingle(name, text) : null;

                    public double Double(string name) => ParseDouble(name, Text(name));

                    public double? OptionalDouble(string name) => OptionalText(name) is { } text ? ParseDouble(name, text) : null;

                    public decimal Decimal(string name) => ParseDecimal(name, Text(name));

                    public decimal? OptionalDecimal(string name) => OptionalText(name) is { } text ? ParseDecimal(name, text) : null;

                    public T Enum<T>(string name)
                        where T : struct, global::System.Enum => ParseEnum<T>(name, Text(name));

                    public T? OptionalEnum<T>(string name)
                        where T : struct, global::System.Enum => OptionalText(name) is { } text ? ParseEnum<T>(name, text) : null;

                    public global::System.Guid Guid(string name) => ParseGuid(name, Text(name));

                    public global::System.Guid? OptionalGuid(string name) => OptionalText(name) is { } text ? ParseGuid(name, text) : null;

                    public global::System.DateTime DateTime(string name) => ParseDateTime(name, Text(name));

                    public global::System.DateTime? OptionalDateTime(string name) => OptionalText(name) is { } text ? ParseDateTime(name, text) : null;

                    public global::System.DateTimeOffset DateTimeOffset(string name) => ParseDateTimeOffset(name, Text(name));

                    public global::System.DateTimeOffset? OptionalDateTimeOffset(string name) => OptionalText(name) is { } text ? ParseDateTimeOffset(name, text) : null;

                    public global::System.TimeSpan TimeSpan(string name) => ParseTimeSpan(name, Text(name));

                    public global::System.TimeSpan? OptionalTimeSpan(string name) => OptionalText(name) is { } text ? ParseTimeSpan(name, text) : null;

                    public byte[] ByteArray(string name) => ParseByteArray(name, Text(name));

                    public byte[]? OptionalByteArray(string name) => OptionalText(name) is { } text ? ParseByteArray(name, text) : null;

                    // bool.TryParse ignores case and surrounding white space: "true", "True" and "TRUE" all read as true.
                    private bool ParseBoolean(string name, string text) =>
                        bool.TryParse(text, out var value) ? value : throw Unparsable(name, text, "Boolean (true or false)");

                    private byte ParseByte(string name, string text) =>
                        byte.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "Byte");

                    private sbyte ParseSByte(string name, string text) =>
                        sbyte.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "SByte");

                    private short ParseInt16(string name, string text) =>
                        short.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "Int16");

                    private ushort ParseUInt16(string name, string text) =>
                        ushort.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "UInt16");

                    private int ParseInt32(string name, string text) =>
                        int.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "Int32");

                    private uint ParseUInt32(string name, string text) =>
                        uint.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "UInt32");

                    private long ParseInt64(string name, string text) =>
                        long.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "Int64");

                    private ulong ParseUInt64(string name, string text) =>
                        ulong.TryParse(text, Integer, Invariant, out var value) ? value : throw Unparsable(name, text, "UInt64");

                    private float ParseSingle(string name, string text) =>
                        float.TryParse(text, Float, Invariant, out var value) ? value : throw Unparsable(name, text, "Single");

                    private double ParseDouble(string name, string text) =>
                        double.TryParse(text, Float, Invariant, out var value) ? value : throw Unparsable(name, text, "Double");

                    private decimal ParseDecimal(string name, string text) =>
                        decimal.TryParse(text, Float, Invariant, out var value) ? value : throw Unparsable(name, text, "Decimal");

                    // Names are matched exactly; a number is accepted only when it is a defined value of the enum.
                    private T ParseEnum<T>(string name, string text)
                        where T : struct, global::System.Enum =>
                        global::System.Enum.TryParse<T>(text, ignoreCase: false, out var value) && (!IsNumber(text) || global::System.Enum.IsDefined(value))
                            ? value
                            : throw Unparsable(name, text, typeof(T).Name + " name");

                    private global::System.Guid ParseGuid(string name, string text) =>
                        global::System.Guid.TryParse(text, out var value) ? value : throw Unparsable(name, text, "Guid");

                    private global::System.DateTime ParseDateTime(string name, string text) =>
                        global::System.DateTime.TryParse(text, Invariant, global::System.Globalization.DateTimeStyles.RoundtripKind, out var value)
                            ? value
                            : throw Unparsable(name, text, "DateTime (ISO 8601)");

                    // A value written without an offset is read as UTC, whatever the time zone of this machine.
                    private global::System.DateTimeOffset ParseDateTimeOffset(string name, string text) =>
                        global::System.DateTimeOffset.TryParse(text, Invariant, global::System.Globalization.DateTimeStyles.AssumeUniversal, out var value)
                            ? value
                            : throw Unparsable(name, text, "DateTimeOffset (ISO 8601)");

                    private global::System.TimeSpan ParseTimeSpan(string name, string text) =>
                        global::System.TimeSpan.TryParse(text, Invariant, out var value) ? value : throw Unparsable(name, text, "TimeSpan");

                    private byte[] ParseByteArray(string name, string text)
                    {
                        try
                        {
                            return global::System.Convert.FromBase64String(text);
                        }
                        catch (global::System.FormatException)
                        {
                            throw Unparsable(name, text, "base64 byte array");
                        }
                    }

                    private string Text(string name) => OptionalText(name) ?? throw Missing(name);

                    private string? OptionalText(string name)
                    {
                        var value = _entry[name];
                        return value.IsNull ? null : (string?)value;
                    }

                    private global::StreamHandlers.Infrastructure.MessageBindingException Missing(string name) =>
                        new global::StreamHandlers.Infrastructure.MessageBindingException($"Entry {_entry.Id} has no field '{name}', which {_typeName} needs: its property is not nullable.");

                    private global::StreamHandlers.Infrastructure.MessageBindingException Unparsable(string name, string text, string expected)
                    {
                        var shown = text.Length <= ShownLength ? text : text.Substring(0, ShownLength) + "...";
                        return new global::StreamHandlers.Infrastructure.MessageBindingException($"Field '{name}' of entry {_entry.Id} is '{shown}', which is not a valid {expected} for {_typeName}.");
                    }

                    private static bool IsNumber(string text)
                    {
                        var trimmed = text.TrimStart();
                        return trimmed.Length > 0 && (char.IsDigit(trimmed[0]) || trimmed[0] == '-' || trimmed[0] == '+');
                    }
                }
            }
            """);
        return writer.ToString();
    }

    private static void WriteConstruction(SourceWriter writer, StreamFieldsSpec spec)
    {
        var construction = spec.Construction;
        var byProperty = spec.Fields.ToDictionary(f => f.PropertyName, StringComparer.Ordinal);

        var read = new HashSet<string>(construction.Arguments.Select(a => a.PropertyName).Concat(construction.InitializedProperties), StringComparer.Ordinal);
        var unread = spec.Fields.Where(f => !read.Contains(f.PropertyName)).Select(f => f.PropertyName).ToList();
        if (unread.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine($"// Written but not read back: no constructor parameter or setter takes {string.Join(", ", unread)}.");
        }

        var hasInitializer = construction.InitializedProperties.Count > 0;
        if (construction.Arguments.Count == 0)
        {
            writer.WriteLine(hasInitializer ? $"return new {spec.TypeName}" : $"return new {spec.TypeName}();");
        }
        else
        {
            writer.WriteLine($"return new {spec.TypeName}(");
            var arguments = construction.Arguments;
            for (var i = 0; i < arguments.Count; i++)
            {
                var end = i < arguments.Count - 1 ? "," : hasInitializer ? ")" : ");";
                writer.WriteLine($"    {Emitter.Identifier(arguments[i].ParameterName)}: {Read(byProperty[arguments[i].PropertyName])}{end}");
            }
        }

        if (hasInitializer)
        {
            writer.OpenBrace();
            foreach (var property in construction.InitializedProperties)
            {
                writer.WriteLine($"{Emitter.Identifier(property)} = {Read(byProperty[property])},");
            }

            writer.CloseBrace(";");
        }
    }

    private static string Read(FieldSpec field) => $"fields.{Method(field)}({Emitter.Literal(field.FieldName)})";

    /// <summary>The writer's and reader's method of a field: <c>Int32</c>, <c>OptionalInt32</c>, <c>Enum&lt;T&gt;</c>.</summary>
    private static string Method(FieldSpec field)
    {
        var name = (field.Nullable ? "Optional" : string.Empty) + field.Kind.ToString();
        return field.Kind == FieldKind.Enum ? $"{name}<{field.TypeName}>" : name;
    }

    /// <summary>A readable class name from the type's name, made unique by a hash of its fully qualified name.</summary>
    private static string ClassName(StreamFieldsSpec spec) =>
        new string(spec.DisplayName.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray())
        + "_Fields_" + Emitter.StableHash(spec.TypeName);
}
