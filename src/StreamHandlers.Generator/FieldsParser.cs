using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StreamHandlers.Generator.Helpers;
using StreamHandlers.Generator.Models;

namespace StreamHandlers.Generator;

/// <summary>Turns a <c>[StreamFields]</c> type into its mapper model and diagnostics. All symbol work happens here.</summary>
internal static class FieldsParser
{
    public const string StreamFieldsAttribute = "StreamHandlers.StreamFieldsAttribute";
    public const string StreamFieldAttribute = "StreamHandlers.StreamFieldAttribute";

    private const string SetsRequiredMembersAttribute = "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute";

    private static readonly SymbolDisplayFormat TypeNameFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    private static readonly StreamFieldsParseResult Empty = new(null, EquatableArray<DiagnosticInfo>.Empty);

    /// <summary>A cheap syntax filter: the attribute is allowed on classes, structs and records.</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) =>
        node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax;

    /// <summary>Whether <paramref name="type"/> is marked <c>[StreamFields]</c>; for handler parameters.</summary>
    public static bool IsStreamFieldsType(ITypeSymbol type, INamedTypeSymbol? attribute) =>
        attribute is not null && type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

    public static StreamFieldsParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax syntax)
        {
            return Empty;
        }

        var compilation = context.SemanticModel.Compilation;
        var displayName = type.ToDisplayString();
        var typeLocation = LocationInfo.From(syntax.Identifier.GetLocation());
        var diagnostics = new List<DiagnosticInfo>();

        if (ContainingTypes(type).Any(t => t.IsGenericType))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericFieldsType, typeLocation, displayName));
        }

        if (InaccessibleReason(type) is { } reason)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleFieldsType, typeLocation, displayName, reason.What, reason.Accessibility));
        }

        if (diagnostics.Count > 0)
        {
            return new StreamFieldsParseResult(null, diagnostics.ToEquatableArray());
        }

        var properties = MappableProperties(type);

        // Half-typed code in the editor: the compiler already reports the error, so stay quiet and emit nothing.
        if (properties.Any(p => ContainsErrorType(p.Type)))
        {
            return Empty;
        }

        if (properties.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoFields, typeLocation, displayName));
            return new StreamFieldsParseResult(null, diagnostics.ToEquatableArray());
        }

        var fieldAttribute = compilation.GetTypeByMetadataName(StreamFieldAttribute);
        var primaryConstructor = type.IsRecord ? PrimaryConstructor(type, cancellationToken) : null;
        var fields = new List<(IPropertySymbol Property, FieldSpec Spec)>();
        var firstByName = new Dictionary<string, IPropertySymbol>(StringComparer.Ordinal);

        foreach (var property in properties)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var location = PropertyLocation(property, typeLocation);

            var name = FieldName(property, primaryConstructor, fieldAttribute, out var nameLocation, cancellationToken);
            if (name is null)
            {
                // A [StreamField] the compiler could not bind: it reports that, and the type waits until it is fixed.
                return Empty;
            }

            if (string.IsNullOrWhiteSpace(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyFieldName, nameLocation ?? location, property.Name, displayName));
                continue;
            }

            if (Classify(property) is not { } classified)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedFieldType, location, property.Name, displayName, property.Type.ToDisplayString()));
                continue;
            }

            if (firstByName.TryGetValue(name, out var first))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateFieldName, location, property.Name, displayName, name, first.Name));
                continue;
            }

            firstByName.Add(name, property);
            fields.Add((property, new FieldSpec(
                property.Name,
                name,
                classified.Kind,
                classified.Nullable,
                classified.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeNameFormat))));
        }

        // A property that is not a field would make every constructor look unusable: report only what is wrong with it.
        if (diagnostics.Count > 0)
        {
            return new StreamFieldsParseResult(null, diagnostics.ToEquatableArray());
        }

        var construction = Construction(type, compilation, fields.Select(f => f.Property).ToList(), cancellationToken, out var problem);
        if (construction is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoUsableConstructor, typeLocation, displayName, problem!));
            return new StreamFieldsParseResult(null, diagnostics.ToEquatableArray());
        }

        var spec = new StreamFieldsSpec(
            type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString(),
            type.ToDisplayString(TypeNameFormat),
            displayName,
            construction,
            fields.Select(f => f.Spec).ToEquatableArray());
        return new StreamFieldsParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>
    /// Public instance properties with a public getter, not indexers, of the type and its base types: base types' first,
    /// each in declaration order; an override or a <c>new</c> property takes the place of the one it replaces.
    /// </summary>
    private static List<IPropertySymbol> MappableProperties(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            chain.Insert(0, current);
        }

        var properties = new List<IPropertySymbol>();
        foreach (var declaring in chain)
        {
            foreach (var property in declaring.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic
                    || property.IsIndexer
                    || property.DeclaredAccessibility != Accessibility.Public
                    || property.GetMethod is not { DeclaredAccessibility: Accessibility.Public })
                {
                    continue;
                }

                var replaced = properties.FindIndex(p => p.Name == property.Name);
                if (replaced >= 0)
                {
                    properties[replaced] = property;
                }
                else
                {
                    properties.Add(property);
                }
            }
        }

        return properties;
    }

    /// <summary>
    /// The field's name: <c>[StreamField]</c> on the property, else on a record's positional parameter, else the
    /// property's; null when the attribute has an error, which the compiler reports.
    /// </summary>
    private static string? FieldName(
        IPropertySymbol property,
        IMethodSymbol? primaryConstructor,
        INamedTypeSymbol? fieldAttribute,
        out LocationInfo? nameLocation,
        CancellationToken cancellationToken)
    {
        nameLocation = null;
        var attribute = Find(property.GetAttributes());
        if (attribute is null && primaryConstructor?.Parameters.FirstOrDefault(p => p.Name == property.Name) is { } parameter)
        {
            attribute = Find(parameter.GetAttributes());
        }

        if (attribute is null)
        {
            return property.Name;
        }

        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error)
        {
            return null;
        }

        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        nameLocation = LocationInfo.From(syntax?.ArgumentList?.Arguments.FirstOrDefault() ?? (SyntaxNode?)syntax);
        return attribute.ConstructorArguments[0].Value as string ?? string.Empty;

        AttributeData? Find(IEnumerable<AttributeData> attributes) =>
            fieldAttribute is null ? null : attributes.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, fieldAttribute));
    }

    /// <summary>The field kind of a property, with <c>Nullable&lt;T&gt;</c> unwrapped; null when no field can hold it.</summary>
    private static (FieldKind Kind, bool Nullable, ITypeSymbol Type)? Classify(IPropertySymbol property)
    {
        if (property.ReturnsByRef || property.ReturnsByRefReadonly)
        {
            return null;
        }

        var type = property.Type;
        bool nullable;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapper)
        {
            type = wrapper.TypeArguments[0];
            nullable = true;
        }
        else
        {
            // A reference type in code without nullable annotations may hold null, so it is read as optional.
            nullable = type.IsReferenceType && property.NullableAnnotation != NullableAnnotation.NotAnnotated;
        }

        FieldKind? kind = type.SpecialType switch
        {
            SpecialType.System_String => FieldKind.String,
            SpecialType.System_Boolean => FieldKind.Boolean,
            SpecialType.System_Byte => FieldKind.Byte,
            SpecialType.System_SByte => FieldKind.SByte,
            SpecialType.System_Int16 => FieldKind.Int16,
            SpecialType.System_UInt16 => FieldKind.UInt16,
            SpecialType.System_Int32 => FieldKind.Int32,
            SpecialType.System_UInt32 => FieldKind.UInt32,
            SpecialType.System_Int64 => FieldKind.Int64,
            SpecialType.System_UInt64 => FieldKind.UInt64,
            SpecialType.System_Single => FieldKind.Single,
            SpecialType.System_Double => FieldKind.Double,
            SpecialType.System_Decimal => FieldKind.Decimal,
            SpecialType.System_DateTime => FieldKind.DateTime,
            _ => null,
        };

        kind ??= type switch
        {
            { TypeKind: TypeKind.Enum } => FieldKind.Enum,
            IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte } => FieldKind.ByteArray,
            INamedTypeSymbol { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true }, Arity: 0 } named => named.Name switch
            {
                "Guid" => FieldKind.Guid,
                "DateTimeOffset" => FieldKind.DateTimeOffset,
                "TimeSpan" => FieldKind.TimeSpan,
                _ => null,
            },
            _ => null,
        };

        return kind is { } found ? (found, nullable, type) : null;
    }

    /// <summary>
    /// How generated code creates the type: the public or internal constructor with the most parameters, each named
    /// (ignoring case) and typed as a field's property, the primary constructor first among equals; then every other
    /// settable field, and every required member, in an object initializer.
    /// </summary>
    private static ConstructionSpec? Construction(
        INamedTypeSymbol type,
        Compilation compilation,
        List<IPropertySymbol> fields,
        CancellationToken cancellationToken,
        out string? problem)
    {
        problem = null;
        if (type.IsAbstract || type.IsStatic)
        {
            problem = $"it is {(type.IsStatic ? "static" : "abstract")}; mark a concrete type [StreamFields]";
            return null;
        }

        IMethodSymbol? chosen = null;
        List<(IParameterSymbol Parameter, IPropertySymbol Property)>? arguments = null;
        var primary = PrimaryConstructor(type, cancellationToken);
        foreach (var constructor in type.InstanceConstructors)
        {
            if (!compilation.IsSymbolAccessibleWithin(constructor, compilation.Assembly)
                || constructor.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute")
                || MapParameters(constructor, fields) is not { } mapped)
            {
                continue;
            }

            var better = chosen is null
                || constructor.Parameters.Length > chosen.Parameters.Length
                || (constructor.Parameters.Length == chosen.Parameters.Length && SymbolEqualityComparer.Default.Equals(constructor, primary));
            if (better)
            {
                chosen = constructor;
                arguments = mapped;
            }
        }

        if (chosen is null || arguments is null)
        {
            problem = "no public or internal constructor has parameters that each match a property by name and type; add such a constructor, or a parameterless one with settable properties";
            return null;
        }

        var required = new HashSet<string>(StringComparer.Ordinal);
        if (!chosen.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == SetsRequiredMembersAttribute))
        {
            foreach (var member in RequiredMembers(type))
            {
                if (!fields.Any(f => f.Name == member.Name) || member is not IPropertySymbol)
                {
                    problem = $"its required member '{member.Name}' is not a field of the type; make it a public property of a supported type, or give the constructor [SetsRequiredMembers]";
                    return null;
                }

                required.Add(member.Name);
            }
        }

        var passed = new HashSet<string>(arguments.Select(a => a.Property.Name), StringComparer.Ordinal);
        var initialized = fields
            .Where(f => required.Contains(f.Name)
                || (!passed.Contains(f.Name) && f.SetMethod is { } setter && compilation.IsSymbolAccessibleWithin(setter, compilation.Assembly)))
            .Select(f => f.Name);

        return new ConstructionSpec(
            arguments.Select(a => new ConstructorArgumentSpec(a.Parameter.Name, a.Property.Name)).ToEquatableArray(),
            initialized.ToEquatableArray());
    }

    /// <summary>Each parameter's field property (same name ignoring case, an exact-case match first, and the same type), or null.</summary>
    private static List<(IParameterSymbol, IPropertySymbol)>? MapParameters(IMethodSymbol constructor, List<IPropertySymbol> fields)
    {
        var mapped = new List<(IParameterSymbol, IPropertySymbol)>();
        foreach (var parameter in constructor.Parameters)
        {
            if (parameter.RefKind is not (RefKind.None or RefKind.In) || parameter.IsParams)
            {
                return null;
            }

            var property = fields.FirstOrDefault(f => f.Name == parameter.Name);
            if (property is null)
            {
                var matches = fields.Where(f => string.Equals(f.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)).Take(2).ToList();
                property = matches.Count == 1 ? matches[0] : null;
            }

            if (property is null
                || !SymbolEqualityComparer.Default.Equals(property.Type, parameter.Type)
                || mapped.Any(m => SymbolEqualityComparer.Default.Equals(m.Item2, property)))
            {
                return null;
            }

            mapped.Add((parameter, property));
        }

        return mapped;
    }

    /// <summary>The required properties and fields of the type and its base types, the most derived of each name.</summary>
    private static IEnumerable<ISymbol> RequiredMembers(INamedTypeSymbol type)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true } && seen.Add(member.Name))
                {
                    yield return member;
                }
            }
        }
    }

    /// <summary>The primary constructor (a positional record's): its parameters are declared in the type's header.</summary>
    private static IMethodSymbol? PrimaryConstructor(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.InstanceConstructors.FirstOrDefault(c =>
            c.Parameters.Length > 0
            && c.Parameters.All(p => p.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is ParameterSyntax { Parent.Parent: TypeDeclarationSyntax })));

    /// <summary>The property's name in source (for a positional record, its parameter), else the type's.</summary>
    private static LocationInfo? PropertyLocation(IPropertySymbol property, LocationInfo? typeLocation) =>
        property.Locations.FirstOrDefault(l => l.IsInSource) is { } location ? LocationInfo.From(location) : typeLocation;

    private static (string What, string Accessibility)? InaccessibleReason(INamedTypeSymbol type)
    {
        foreach (var current in ContainingTypes(type))
        {
            var what = SymbolEqualityComparer.Default.Equals(current, type) ? "the type" : $"its containing type '{current.Name}'";
            if (current.IsFileLocal)
            {
                return (what, "file-local");
            }

            switch (current.DeclaredAccessibility)
            {
                case Accessibility.Private:
                    return (what, "private");
                case Accessibility.Protected:
                    return (what, "protected");
                case Accessibility.ProtectedAndInternal:
                    return (what, "private protected");
            }
        }

        return null;
    }

    private static IEnumerable<INamedTypeSymbol> ContainingTypes(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            yield return current;
        }
    }

    private static bool ContainsErrorType(ITypeSymbol type) => type switch
    {
        { TypeKind: TypeKind.Error } => true,
        IArrayTypeSymbol array => ContainsErrorType(array.ElementType),
        INamedTypeSymbol { IsGenericType: true } named => named.TypeArguments.Any(ContainsErrorType),
        _ => false,
    };
}
