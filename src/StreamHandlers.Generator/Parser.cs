using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StreamHandlers.Generator.Helpers;
using StreamHandlers.Generator.Models;

namespace StreamHandlers.Generator;

/// <summary>Turns an attributed method into handler models and diagnostics. All symbol work happens here.</summary>
internal static class Parser
{
    public const string StreamHandlerAttribute = "StreamHandlers.StreamHandlerAttribute";
    public const string ChannelSubscriberAttribute = "StreamHandlers.ChannelSubscriberAttribute";

    private const string StreamMessageContextType = "StreamHandlers.StreamMessageContext";
    private const string ChannelMessageContextType = "StreamHandlers.ChannelMessageContext";
    private const string StreamEntryType = "StackExchange.Redis.StreamEntry";

    private static readonly SymbolDisplayFormat TypeNameFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <summary>A cheap syntax filter: only method declarations can carry the attributes.</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) => node is MethodDeclarationSyntax;

    public static MethodParseResult Parse(GeneratorAttributeSyntaxContext context, HandlerKind kind, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return MethodParseResult.Empty;
        }

        var compilation = context.SemanticModel.Compilation;
        var known = new KnownTypes(
            compilation.GetTypeByMetadataName(StreamMessageContextType),
            compilation.GetTypeByMetadataName(ChannelMessageContextType),
            compilation.GetTypeByMetadataName(StreamEntryType),
            compilation.GetTypeByMetadataName("System.Threading.CancellationToken"),
            compilation.GetTypeByMetadataName("System.Threading.Tasks.Task"),
            compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask"),
            compilation.GetTypeByMetadataName(FieldsParser.StreamFieldsAttribute));

        var diagnostics = new List<DiagnosticInfo>();
        var handlerName = DisplayName(method);

        // Half-typed code in the editor: the compiler already reports the error, so stay quiet and emit nothing.
        if (ContainsErrorType(method.ReturnType) || method.Parameters.Any(p => ContainsErrorType(p.Type)))
        {
            return MethodParseResult.Empty;
        }

        var returnKind = CheckMethod(method, syntax, known, handlerName, diagnostics);
        var parameters = BindParameters(method, syntax, kind, known, handlerName, diagnostics, out var messageKind, out var messageType);

        var handlers = new List<HandlerSpec>();
        var keys = new List<HandlerKey>();
        var ordinal = 0;
        foreach (var attribute in context.Attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attributeDiagnostics = new List<DiagnosticInfo>();
            var spec = kind == HandlerKind.Stream
                ? ParseStreamAttribute(attribute, method, handlerName, attributeDiagnostics, out var key)
                : ParseChannelAttribute(attribute, handlerName, attributeDiagnostics, out key);
            diagnostics.AddRange(attributeDiagnostics);

            if (spec is null || attributeDiagnostics.Count > 0 || returnKind is null || parameters is null)
            {
                continue;
            }

            if (kind == HandlerKind.Stream && spec.Stream is { } streamOptions)
            {
                keys.Add(new HandlerKey(key, streamOptions.Group, handlerName, LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken))));
            }

            handlers.Add(new HandlerSpec(
                kind,
                method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString(),
                method.ContainingType.ToDisplayString(TypeNameFormat),
                method.ContainingType.ToDisplayString(),
                method.Name,
                ordinal++,
                method.IsStatic,
                returnKind.Value,
                messageKind,
                messageType,
                parameters.Value,
                key,
                spec.Stream,
                spec.Channel));
        }

        return new MethodParseResult(handlers.ToEquatableArray(), keys.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    /// <summary>Checks what does not depend on the attribute: return type, generics, reachability, the handler's type.</summary>
    private static ReturnKind? CheckMethod(IMethodSymbol method, MethodDeclarationSyntax syntax, KnownTypes known, string handlerName, List<DiagnosticInfo> diagnostics)
    {
        var methodLocation = LocationInfo.From(syntax.Identifier.GetLocation());
        var valid = true;

        ReturnKind? returnKind = method.ReturnsVoid ? ReturnKind.Void
            : SymbolEqualityComparer.Default.Equals(method.ReturnType, known.Task) ? ReturnKind.Task
            : SymbolEqualityComparer.Default.Equals(method.ReturnType, known.ValueTask) ? ReturnKind.ValueTask
            : null;
        if (returnKind is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedReturnType, LocationInfo.From(syntax.ReturnType), handlerName, method.ReturnType.ToDisplayString()));
            valid = false;
        }
        else if (returnKind == ReturnKind.Void && method.IsAsync)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AsyncVoidHandler, methodLocation, handlerName));
            valid = false;
        }

        if (method.IsGenericMethod || ContainingTypes(method).Any(t => t.IsGenericType))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericHandler, methodLocation, handlerName));
            valid = false;
        }

        if (InaccessibleReason(method) is { } reason)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleHandler, methodLocation, handlerName, reason.What, reason.Accessibility));
            valid = false;
        }

        if (!method.IsStatic)
        {
            var type = method.ContainingType;
            var what = type.TypeKind switch
            {
                TypeKind.Interface => "interface",
                TypeKind.Struct => "struct",
                _ when type.IsAbstract => "abstract class",
                _ => null,
            };
            if (what is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnconstructibleHandlerType, methodLocation, handlerName, what, type.ToDisplayString()));
                valid = false;
            }
        }

        return valid ? returnKind : null;
    }

    private static EquatableArray<ParameterSpec>? BindParameters(
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        HandlerKind kind,
        KnownTypes known,
        string handlerName,
        List<DiagnosticInfo> diagnostics,
        out MessageKind messageKind,
        out string messageType)
    {
        messageKind = MessageKind.String;
        messageType = "string";
        var valid = true;
        var parameters = new List<ParameterSpec>();
        var rawEntryName = kind == HandlerKind.Stream ? "StreamEntry" : "a JSON type";

        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var parameter = method.Parameters[i];
            var location = i < syntax.ParameterList.Parameters.Count ? LocationInfo.From(syntax.ParameterList.Parameters[i]) : null;
            var type = parameter.Type;

            if (parameter.RefKind != RefKind.None || parameter.IsParams)
            {
                var modifier = parameter.IsParams ? "params" : parameter.RefKind switch
                {
                    RefKind.Ref => "ref",
                    RefKind.Out => "out",
                    RefKind.In => "in",
                    _ => "ref readonly",
                };
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ByRefParameter, location, parameter.Name, handlerName, modifier));
                valid = false;
                continue;
            }

            var role = Role(type, known);
            if (i == 0)
            {
                if (role is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingMessageParameter, location, handlerName, rawEntryName));
                    valid = false;
                    continue;
                }

                if (Unbindable(type) is { } why)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnbindableParameter, location, parameter.Name, handlerName, why));
                    valid = false;
                    continue;
                }

                if (type.SpecialType == SpecialType.System_String)
                {
                    messageKind = MessageKind.String;
                    messageType = "string";
                }
                else if (SymbolEqualityComparer.Default.Equals(type, known.StreamEntry))
                {
                    if (kind == HandlerKind.Channel)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnbindableParameter, location, parameter.Name, handlerName, "a Pub/Sub message has no StreamEntry; take the message as string or as a JSON type"));
                        valid = false;
                        continue;
                    }

                    messageKind = MessageKind.StreamEntry;
                    messageType = type.ToDisplayString(TypeNameFormat);
                }
                else if (StreamFieldsType(type, known) is { } fieldsType)
                {
                    if (kind == HandlerKind.Channel)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FieldsMessageOnChannel, location, parameter.Name, handlerName, fieldsType.ToDisplayString()));
                        valid = false;
                        continue;
                    }

                    // Read field by field by the type's generated mapper; an entry always makes a value, so Order? gets one too.
                    messageKind = MessageKind.Fields;
                    messageType = fieldsType.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeNameFormat);
                }
                else
                {
                    // A nullable message type (Order?, int?) accepts the JSON literal null.
                    var acceptsNull = type.IsReferenceType
                        ? parameter.NullableAnnotation == NullableAnnotation.Annotated
                        : type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
                    messageKind = acceptsNull ? MessageKind.NullableJson : MessageKind.Json;
                    messageType = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeNameFormat);
                }

                parameters.Add(new ParameterSpec(ParameterKind.Message, messageType));
                continue;
            }

            switch (role)
            {
                case ParameterKind.StreamContext when kind == HandlerKind.Channel:
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnbindableParameter, location, parameter.Name, handlerName, "a channel subscriber receives a ChannelMessageContext; use that instead of StreamMessageContext"));
                    valid = false;
                    continue;
                case ParameterKind.ChannelContext when kind == HandlerKind.Stream:
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnbindableParameter, location, parameter.Name, handlerName, "a stream handler receives a StreamMessageContext; use that instead of ChannelMessageContext"));
                    valid = false;
                    continue;
                case { } contextOrToken:
                    parameters.Add(new ParameterSpec(contextOrToken, type.ToDisplayString(TypeNameFormat)));
                    continue;
            }

            var serviceProblem = Unbindable(type);
            if (serviceProblem is null && (type.IsValueType || type.SpecialType != SpecialType.None || SymbolEqualityComparer.Default.Equals(type, known.StreamEntry)))
            {
                serviceProblem = $"only the first parameter is the message, and '{type.ToDisplayString()}' cannot be resolved from services; move the message first, or take the StreamMessageContext or ChannelMessageContext for the raw message";
            }

            if (serviceProblem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnbindableParameter, location, parameter.Name, handlerName, serviceProblem));
                valid = false;
                continue;
            }

            var optional = parameter.HasExplicitDefaultValue || parameter.NullableAnnotation == NullableAnnotation.Annotated;
            parameters.Add(new ParameterSpec(
                optional ? ParameterKind.OptionalService : ParameterKind.RequiredService,
                type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeNameFormat)));
        }

        if (method.Parameters.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingMessageParameter, LocationInfo.From(syntax.ParameterList), handlerName, rawEntryName));
            valid = false;
        }

        return valid ? parameters.ToEquatableArray() : null;
    }

    private static ParsedAttribute? ParseStreamAttribute(AttributeData attribute, IMethodSymbol method, string handlerName, List<DiagnosticInfo> diagnostics, out string stream)
    {
        stream = string.Empty;
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 1)
        {
            return null;
        }

        if (attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error)
        {
            return null;
        }

        stream = attribute.ConstructorArguments[0].Value as string ?? string.Empty;
        string? group = null;
        string? deadLetterStream = null;
        int maxRetries = 3, batchSize = 16, concurrency = 1, retryDelayMs = 1000, claimIdleMs = 60000, start = 0;

        foreach (var named in attribute.NamedArguments)
        {
            // A value the compiler could not evaluate is its error, not ours; null means "use the default".
            if (named.Value.Kind == TypedConstantKind.Error)
            {
                continue;
            }

            var value = named.Value.Value;
            switch (named.Key)
            {
                case "Group": group = value as string; break;
                case "DeadLetterStream": deadLetterStream = value as string; break;
                case "MaxRetries": maxRetries = value is int a ? a : maxRetries; break;
                case "BatchSize": batchSize = value is int b ? b : batchSize; break;
                case "Concurrency": concurrency = value is int c ? c : concurrency; break;
                case "RetryDelayMs": retryDelayMs = value is int d ? d : retryDelayMs; break;
                case "ClaimIdleMs": claimIdleMs = value is int e ? e : claimIdleMs; break;
                case "Start": start = value is int f ? f : start; break;
            }
        }

        CheckName(attribute, null, "stream", stream, handlerName, diagnostics);
        if (group is not null)
        {
            CheckName(attribute, "Group", "group", group, handlerName, diagnostics);
        }

        if (deadLetterStream is not null)
        {
            CheckName(attribute, "DeadLetterStream", "dead-letter stream", deadLetterStream, handlerName, diagnostics);
        }

        CheckRange(attribute, "MaxRetries", maxRetries, 0, handlerName, diagnostics);
        CheckRange(attribute, "BatchSize", batchSize, 1, handlerName, diagnostics);
        CheckRange(attribute, "Concurrency", concurrency, 1, handlerName, diagnostics);
        CheckRange(attribute, "RetryDelayMs", retryDelayMs, 0, handlerName, diagnostics);
        CheckRange(attribute, "ClaimIdleMs", claimIdleMs, 1, handlerName, diagnostics);
        if (start is not (0 or 1))
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ValueOutOfRange,
                ArgumentLocation(attribute, "Start"),
                "Start",
                start.ToString(System.Globalization.CultureInfo.InvariantCulture),
                handlerName,
                "of StreamStart.NewEntries or StreamStart.Beginning"));
        }

        group ??= FullMetadataName(method.ContainingType) + "." + method.Name;
        deadLetterStream ??= stream + ":dlq";
        if (stream.Length > 0 && deadLetterStream == stream)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DeadLetterIsSource, ArgumentLocation(attribute, "DeadLetterStream"), handlerName, stream));
        }

        return new ParsedAttribute(
            new StreamOptionsSpec(group, maxRetries, deadLetterStream, batchSize, concurrency, retryDelayMs, claimIdleMs, start),
            null);
    }

    private static ParsedAttribute? ParseChannelAttribute(AttributeData attribute, string handlerName, List<DiagnosticInfo> diagnostics, out string channel)
    {
        channel = string.Empty;
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 1)
        {
            return null;
        }

        if (attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error)
        {
            return null;
        }

        channel = attribute.ConstructorArguments[0].Value as string ?? string.Empty;
        bool pattern = false, sharded = false;
        var concurrency = 1;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Value.Kind == TypedConstantKind.Error)
            {
                continue;
            }

            var value = named.Value.Value;
            switch (named.Key)
            {
                case "Pattern": pattern = value is true; break;
                case "Sharded": sharded = value is true; break;
                case "Concurrency": concurrency = value is int c ? c : concurrency; break;
            }
        }

        CheckName(attribute, null, "channel", channel, handlerName, diagnostics);
        CheckRange(attribute, "Concurrency", concurrency, 1, handlerName, diagnostics);
        if (pattern && sharded)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PatternAndSharded, ArgumentLocation(attribute, "Sharded"), handlerName));
        }

        return new ParsedAttribute(null, new ChannelOptionsSpec(pattern, sharded, concurrency));
    }

    private static void CheckName(AttributeData attribute, string? property, string what, string value, string handlerName, List<DiagnosticInfo> diagnostics)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyName, ArgumentLocation(attribute, property), what, handlerName));
        }
    }

    private static void CheckRange(AttributeData attribute, string property, int value, int minimum, string handlerName, List<DiagnosticInfo> diagnostics)
    {
        if (value < minimum)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ValueOutOfRange,
                ArgumentLocation(attribute, property),
                property,
                value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                handlerName,
                minimum == 0 ? "of 0 or more" : $"of {minimum} or more"));
        }
    }

    /// <summary>The location of a named argument (or, with <see langword="null"/>, the first positional one), else of the attribute.</summary>
    private static LocationInfo? ArgumentLocation(AttributeData attribute, string? property)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
        {
            return null;
        }

        var arguments = syntax.ArgumentList?.Arguments ?? default;
        foreach (var argument in arguments)
        {
            var isNamed = argument.NameEquals is not null;
            if (property is null ? !isNamed : isNamed && argument.NameEquals!.Name.Identifier.ValueText == property)
            {
                return LocationInfo.From(argument);
            }
        }

        return LocationInfo.From(syntax);
    }

    /// <summary>Whether a type is, or is built from, a type the compiler could not resolve.</summary>
    private static bool ContainsErrorType(ITypeSymbol type) => type switch
    {
        { TypeKind: TypeKind.Error } => true,
        IArrayTypeSymbol array => ContainsErrorType(array.ElementType),
        IPointerTypeSymbol pointer => ContainsErrorType(pointer.PointedAtType),
        INamedTypeSymbol { IsGenericType: true } named => named.TypeArguments.Any(ContainsErrorType),
        _ => false,
    };

    /// <summary>The <c>[StreamFields]</c> type of a message parameter (<c>Order</c> of <c>Order?</c> too), or null.</summary>
    private static ITypeSymbol? StreamFieldsType(ITypeSymbol type, KnownTypes known)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapper)
        {
            type = wrapper.TypeArguments[0];
        }

        return FieldsParser.IsStreamFieldsType(type, known.StreamFieldsAttribute) ? type : null;
    }

    private static ParameterKind? Role(ITypeSymbol type, KnownTypes known)
    {
        if (SymbolEqualityComparer.Default.Equals(type, known.StreamContext))
        {
            return ParameterKind.StreamContext;
        }

        if (SymbolEqualityComparer.Default.Equals(type, known.ChannelContext))
        {
            return ParameterKind.ChannelContext;
        }

        return SymbolEqualityComparer.Default.Equals(type, known.CancellationToken) ? ParameterKind.CancellationToken : null;
    }

    /// <summary>Why a type can be neither a message nor a service, or <see langword="null"/> when it can.</summary>
    private static string? Unbindable(ITypeSymbol type) => type switch
    {
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => "pointers cannot be bound; take a managed type",
        IDynamicTypeSymbol => "dynamic cannot be bound; take a concrete type",
        ITypeParameterSymbol => "an open type parameter cannot be bound; take a concrete type",
        { IsRefLikeType: true } => $"'{type.ToDisplayString()}' is a ref struct and cannot be held across awaits; take a string, byte[] or a JSON type",
        { IsStatic: true } => $"'{type.ToDisplayString()}' is a static class; take an instance type",
        _ => null,
    };

    private static (string What, string Accessibility)? InaccessibleReason(IMethodSymbol method)
    {
        if (Hidden(method.DeclaredAccessibility))
        {
            return ("the method", AccessibilityText(method.DeclaredAccessibility));
        }

        foreach (var type in ContainingTypes(method))
        {
            if (type.IsFileLocal)
            {
                return ($"its containing type '{type.Name}'", "file-local");
            }

            if (Hidden(type.DeclaredAccessibility))
            {
                return ($"its containing type '{type.Name}'", AccessibilityText(type.DeclaredAccessibility));
            }
        }

        return null;

        static bool Hidden(Accessibility accessibility) =>
            accessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal;

        static string AccessibilityText(Accessibility accessibility) => accessibility switch
        {
            Accessibility.Private => "private",
            Accessibility.Protected => "protected",
            _ => "private protected",
        };
    }

    private static IEnumerable<INamedTypeSymbol> ContainingTypes(IMethodSymbol method)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            yield return type;
        }
    }

    /// <summary>The type's full name as .NET writes it (<c>Namespace.Outer+Inner</c>), the default group's prefix.</summary>
    private static string FullMetadataName(INamedTypeSymbol type)
    {
        var builder = new StringBuilder(type.MetadataName);
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            builder.Insert(0, outer.MetadataName + "+");
        }

        if (!type.ContainingNamespace.IsGlobalNamespace)
        {
            builder.Insert(0, type.ContainingNamespace.ToDisplayString() + ".");
        }

        return builder.ToString();
    }

    private static string DisplayName(IMethodSymbol method) => method.ContainingType.ToDisplayString() + "." + method.Name;

    private sealed record ParsedAttribute(StreamOptionsSpec? Stream, ChannelOptionsSpec? Channel);

    private readonly record struct KnownTypes(
        INamedTypeSymbol? StreamContext,
        INamedTypeSymbol? ChannelContext,
        INamedTypeSymbol? StreamEntry,
        INamedTypeSymbol? CancellationToken,
        INamedTypeSymbol? Task,
        INamedTypeSymbol? ValueTask,
        INamedTypeSymbol? StreamFieldsAttribute);
}
