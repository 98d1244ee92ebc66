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
            writer.WriteLine($"var fields = new {Emitter.Infrastructure}.StreamFieldWriter(TypeName, {spec.Fields.Count});");
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
            writer.WriteLine($"var fields = new {Emitter.Infrastructure}.StreamFieldReader(entry, TypeName);");
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
