// Plumbing for the mappers that the source generator writes for [StreamFields] types: one copy, here,
// instead of one in every assembly.
namespace StreamHandlers.Infrastructure
{
    /// <summary>
    /// Writes the entry fields of a <c>[StreamFields]</c> type: each value as text in the invariant culture. The
    /// <c>Optional</c> forms write no field for null.
    /// </summary>
    [global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
    public sealed class StreamFieldWriter
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

        /// <summary>Writes one field (<c>String</c>), its value as invariant text.</summary>
        public void String(string name, string value) => Add(name, value ?? throw NullValue(name));

        /// <summary>Writes one field (<c>OptionalString</c>), its value as invariant text.</summary>
        public void OptionalString(string name, string? value) => AddOptional(name, value);

        /// <summary>Writes one field (<c>Boolean</c>), its value as invariant text.</summary>
        public void Boolean(string name, bool value) => Add(name, value ? "true" : "false");

        /// <summary>Writes one field (<c>OptionalBoolean</c>), its value as invariant text.</summary>
        public void OptionalBoolean(string name, bool? value) => AddOptional(name, value is null ? null : value.Value ? "true" : "false");

        /// <summary>Writes one field (<c>Byte</c>), its value as invariant text.</summary>
        public void Byte(string name, byte value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalByte</c>), its value as invariant text.</summary>
        public void OptionalByte(string name, byte? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>SByte</c>), its value as invariant text.</summary>
        public void SByte(string name, sbyte value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalSByte</c>), its value as invariant text.</summary>
        public void OptionalSByte(string name, sbyte? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>Int16</c>), its value as invariant text.</summary>
        public void Int16(string name, short value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalInt16</c>), its value as invariant text.</summary>
        public void OptionalInt16(string name, short? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>UInt16</c>), its value as invariant text.</summary>
        public void UInt16(string name, ushort value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalUInt16</c>), its value as invariant text.</summary>
        public void OptionalUInt16(string name, ushort? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>Int32</c>), its value as invariant text.</summary>
        public void Int32(string name, int value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalInt32</c>), its value as invariant text.</summary>
        public void OptionalInt32(string name, int? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>UInt32</c>), its value as invariant text.</summary>
        public void UInt32(string name, uint value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalUInt32</c>), its value as invariant text.</summary>
        public void OptionalUInt32(string name, uint? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>Int64</c>), its value as invariant text.</summary>
        public void Int64(string name, long value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalInt64</c>), its value as invariant text.</summary>
        public void OptionalInt64(string name, long? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>UInt64</c>), its value as invariant text.</summary>
        public void UInt64(string name, ulong value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalUInt64</c>), its value as invariant text.</summary>
        public void OptionalUInt64(string name, ulong? value) => AddOptional(name, value?.ToString(Invariant));

        // "R": the shortest text that parses back to the same value.
        /// <summary>Writes one field (<c>Single</c>), its value as invariant text.</summary>
        public void Single(string name, float value) => Add(name, value.ToString("R", Invariant));

        /// <summary>Writes one field (<c>OptionalSingle</c>), its value as invariant text.</summary>
        public void OptionalSingle(string name, float? value) => AddOptional(name, value?.ToString("R", Invariant));

        /// <summary>Writes one field (<c>Double</c>), its value as invariant text.</summary>
        public void Double(string name, double value) => Add(name, value.ToString("R", Invariant));

        /// <summary>Writes one field (<c>OptionalDouble</c>), its value as invariant text.</summary>
        public void OptionalDouble(string name, double? value) => AddOptional(name, value?.ToString("R", Invariant));

        /// <summary>Writes one field (<c>Decimal</c>), its value as invariant text.</summary>
        public void Decimal(string name, decimal value) => Add(name, value.ToString(Invariant));

        /// <summary>Writes one field (<c>OptionalDecimal</c>), its value as invariant text.</summary>
        public void OptionalDecimal(string name, decimal? value) => AddOptional(name, value?.ToString(Invariant));

        /// <summary>Writes one field (<c>Enum</c>), its value as invariant text.</summary>
        public void Enum<T>(string name, T value)
            where T : struct, global::System.Enum => Add(name, EnumName(name, value));

        /// <summary>Writes one field (<c>OptionalEnum</c>), its value as invariant text.</summary>
        public void OptionalEnum<T>(string name, T? value)
            where T : struct, global::System.Enum => AddOptional(name, value is null ? null : EnumName(name, value.Value));

        /// <summary>Writes one field (<c>Guid</c>), its value as invariant text.</summary>
        public void Guid(string name, global::System.Guid value) => Add(name, value.ToString("D"));

        /// <summary>Writes one field (<c>OptionalGuid</c>), its value as invariant text.</summary>
        public void OptionalGuid(string name, global::System.Guid? value) => AddOptional(name, value?.ToString("D"));

        // "O": ISO 8601 with all seven fractional digits and the kind (Z, an offset, or none for unspecified).
        /// <summary>Writes one field (<c>DateTime</c>), its value as invariant text.</summary>
        public void DateTime(string name, global::System.DateTime value) => Add(name, value.ToString("O", Invariant));

        /// <summary>Writes one field (<c>OptionalDateTime</c>), its value as invariant text.</summary>
        public void OptionalDateTime(string name, global::System.DateTime? value) => AddOptional(name, value?.ToString("O", Invariant));

        /// <summary>Writes one field (<c>DateTimeOffset</c>), its value as invariant text.</summary>
        public void DateTimeOffset(string name, global::System.DateTimeOffset value) => Add(name, value.ToString("O", Invariant));

        /// <summary>Writes one field (<c>OptionalDateTimeOffset</c>), its value as invariant text.</summary>
        public void OptionalDateTimeOffset(string name, global::System.DateTimeOffset? value) => AddOptional(name, value?.ToString("O", Invariant));

        // "c": [-][d.]hh:mm:ss[.fffffff], the same in every culture.
        /// <summary>Writes one field (<c>TimeSpan</c>), its value as invariant text.</summary>
        public void TimeSpan(string name, global::System.TimeSpan value) => Add(name, value.ToString("c", Invariant));

        /// <summary>Writes one field (<c>OptionalTimeSpan</c>), its value as invariant text.</summary>
        public void OptionalTimeSpan(string name, global::System.TimeSpan? value) => AddOptional(name, value?.ToString("c", Invariant));

        /// <summary>Writes one field (<c>ByteArray</c>), its value as invariant text.</summary>
        public void ByteArray(string name, byte[] value) => Add(name, global::System.Convert.ToBase64String(value ?? throw NullValue(name)));

        /// <summary>Writes one field (<c>OptionalByteArray</c>), its value as invariant text.</summary>
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
    [global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
    public readonly struct StreamFieldReader
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

        /// <summary>Reads one field (<c>String</c>) from its invariant text.</summary>
        public string String(string name) => Text(name);

        /// <summary>Reads one field (<c>OptionalString</c>) from its invariant text.</summary>
        public string? OptionalString(string name) => OptionalText(name);

        /// <summary>Reads one field (<c>Boolean</c>) from its invariant text.</summary>
        public bool Boolean(string name) => ParseBoolean(name, Text(name));

        /// <summary>Reads one field (<c>OptionalBoolean</c>) from its invariant text.</summary>
        public bool? OptionalBoolean(string name) => OptionalText(name) is { } text ? ParseBoolean(name, text) : null;

        /// <summary>Reads one field (<c>Byte</c>) from its invariant text.</summary>
        public byte Byte(string name) => ParseByte(name, Text(name));

        /// <summary>Reads one field (<c>OptionalByte</c>) from its invariant text.</summary>
        public byte? OptionalByte(string name) => OptionalText(name) is { } text ? ParseByte(name, text) : null;

        /// <summary>Reads one field (<c>SByte</c>) from its invariant text.</summary>
        public sbyte SByte(string name) => ParseSByte(name, Text(name));

        /// <summary>Reads one field (<c>OptionalSByte</c>) from its invariant text.</summary>
        public sbyte? OptionalSByte(string name) => OptionalText(name) is { } text ? ParseSByte(name, text) : null;

        /// <summary>Reads one field (<c>Int16</c>) from its invariant text.</summary>
        public short Int16(string name) => ParseInt16(name, Text(name));

        /// <summary>Reads one field (<c>OptionalInt16</c>) from its invariant text.</summary>
        public short? OptionalInt16(string name) => OptionalText(name) is { } text ? ParseInt16(name, text) : null;

        /// <summary>Reads one field (<c>UInt16</c>) from its invariant text.</summary>
        public ushort UInt16(string name) => ParseUInt16(name, Text(name));

        /// <summary>Reads one field (<c>OptionalUInt16</c>) from its invariant text.</summary>
        public ushort? OptionalUInt16(string name) => OptionalText(name) is { } text ? ParseUInt16(name, text) : null;

        /// <summary>Reads one field (<c>Int32</c>) from its invariant text.</summary>
        public int Int32(string name) => ParseInt32(name, Text(name));

        /// <summary>Reads one field (<c>OptionalInt32</c>) from its invariant text.</summary>
        public int? OptionalInt32(string name) => OptionalText(name) is { } text ? ParseInt32(name, text) : null;

        /// <summary>Reads one field (<c>UInt32</c>) from its invariant text.</summary>
        public uint UInt32(string name) => ParseUInt32(name, Text(name));

        /// <summary>Reads one field (<c>OptionalUInt32</c>) from its invariant text.</summary>
        public uint? OptionalUInt32(string name) => OptionalText(name) is { } text ? ParseUInt32(name, text) : null;

        /// <summary>Reads one field (<c>Int64</c>) from its invariant text.</summary>
        public long Int64(string name) => ParseInt64(name, Text(name));

        /// <summary>Reads one field (<c>OptionalInt64</c>) from its invariant text.</summary>
        public long? OptionalInt64(string name) => OptionalText(name) is { } text ? ParseInt64(name, text) : null;

        /// <summary>Reads one field (<c>UInt64</c>) from its invariant text.</summary>
        public ulong UInt64(string name) => ParseUInt64(name, Text(name));

        /// <summary>Reads one field (<c>OptionalUInt64</c>) from its invariant text.</summary>
        public ulong? OptionalUInt64(string name) => OptionalText(name) is { } text ? ParseUInt64(name, text) : null;

        /// <summary>Reads one field (<c>Single</c>) from its invariant text.</summary>
        public float Single(string name) => ParseSingle(name, Text(name));

        /// <summary>Reads one field (<c>OptionalSingle</c>) from its invariant text.</summary>
        public float? OptionalSingle(string name) => OptionalText(name) is { } text ? ParseSingle(name, text) : null;

        /// <summary>Reads one field (<c>Double</c>) from its invariant text.</summary>
        public double Double(string name) => ParseDouble(name, Text(name));

        /// <summary>Reads one field (<c>OptionalDouble</c>) from its invariant text.</summary>
        public double? OptionalDouble(string name) => OptionalText(name) is { } text ? ParseDouble(name, text) : null;

        /// <summary>Reads one field (<c>Decimal</c>) from its invariant text.</summary>
        public decimal Decimal(string name) => ParseDecimal(name, Text(name));

        /// <summary>Reads one field (<c>OptionalDecimal</c>) from its invariant text.</summary>
        public decimal? OptionalDecimal(string name) => OptionalText(name) is { } text ? ParseDecimal(name, text) : null;

        /// <summary>Reads one field (<c>Enum</c>) from its invariant text.</summary>
        public T Enum<T>(string name)
            where T : struct, global::System.Enum => ParseEnum<T>(name, Text(name));

        /// <summary>Reads one field (<c>OptionalEnum</c>) from its invariant text.</summary>
        public T? OptionalEnum<T>(string name)
            where T : struct, global::System.Enum => OptionalText(name) is { } text ? ParseEnum<T>(name, text) : null;

        /// <summary>Reads one field (<c>Guid</c>) from its invariant text.</summary>
        public global::System.Guid Guid(string name) => ParseGuid(name, Text(name));

        /// <summary>Reads one field (<c>OptionalGuid</c>) from its invariant text.</summary>
        public global::System.Guid? OptionalGuid(string name) => OptionalText(name) is { } text ? ParseGuid(name, text) : null;

        /// <summary>Reads one field (<c>DateTime</c>) from its invariant text.</summary>
        public global::System.DateTime DateTime(string name) => ParseDateTime(name, Text(name));

        /// <summary>Reads one field (<c>OptionalDateTime</c>) from its invariant text.</summary>
        public global::System.DateTime? OptionalDateTime(string name) => OptionalText(name) is { } text ? ParseDateTime(name, text) : null;

        /// <summary>Reads one field (<c>DateTimeOffset</c>) from its invariant text.</summary>
        public global::System.DateTimeOffset DateTimeOffset(string name) => ParseDateTimeOffset(name, Text(name));

        /// <summary>Reads one field (<c>OptionalDateTimeOffset</c>) from its invariant text.</summary>
        public global::System.DateTimeOffset? OptionalDateTimeOffset(string name) => OptionalText(name) is { } text ? ParseDateTimeOffset(name, text) : null;

        /// <summary>Reads one field (<c>TimeSpan</c>) from its invariant text.</summary>
        public global::System.TimeSpan TimeSpan(string name) => ParseTimeSpan(name, Text(name));

        /// <summary>Reads one field (<c>OptionalTimeSpan</c>) from its invariant text.</summary>
        public global::System.TimeSpan? OptionalTimeSpan(string name) => OptionalText(name) is { } text ? ParseTimeSpan(name, text) : null;

        /// <summary>Reads one field (<c>ByteArray</c>) from its invariant text.</summary>
        public byte[] ByteArray(string name) => ParseByteArray(name, Text(name));

        /// <summary>Reads one field (<c>OptionalByteArray</c>) from its invariant text.</summary>
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
