using Microsoft.CodeAnalysis;

namespace StreamHandlers.Generator;

/// <summary>Every diagnostic the generator reports. Ids are stable: never renumber or reuse one.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "StreamHandlers";

    /// <summary>SH0001: the handler returns something other than void, Task or ValueTask.</summary>
    public static readonly DiagnosticDescriptor UnsupportedReturnType = new(
        id: "SH0001",
        title: "Unsupported handler return type",
        messageFormat: "Handler '{0}' returns '{1}'; return void, Task or ValueTask instead",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0002: the handler has no message parameter first.</summary>
    public static readonly DiagnosticDescriptor MissingMessageParameter = new(
        id: "SH0002",
        title: "Handler has no message parameter",
        messageFormat: "Handler '{0}' has no message parameter; make the first parameter the message (string, {1} or a JSON type), before any context, CancellationToken or service",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0003: a parameter is passed by reference or is a params array.</summary>
    public static readonly DiagnosticDescriptor ByRefParameter = new(
        id: "SH0003",
        title: "Handler parameter cannot be ref, out, in or params",
        messageFormat: "Parameter '{0}' of handler '{1}' is '{2}'; declare it as a plain by-value parameter",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0004: the handler method or a type containing it is generic.</summary>
    public static readonly DiagnosticDescriptor GenericHandler = new(
        id: "SH0004",
        title: "Handler cannot be generic",
        messageFormat: "Handler '{0}' is generic or declared in a generic type; declare it as a non-generic method of a non-generic type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0005: generated code cannot call the handler (private or protected method or containing type).</summary>
    public static readonly DiagnosticDescriptor InaccessibleHandler = new(
        id: "SH0005",
        title: "Handler is not reachable from generated code",
        messageFormat: "Handler '{0}' cannot be called by generated code because {1} is {2}; make it public or internal",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0006: a parameter has a type the generator cannot bind.</summary>
    public static readonly DiagnosticDescriptor UnbindableParameter = new(
        id: "SH0006",
        title: "Handler parameter cannot be bound",
        messageFormat: "Parameter '{0}' of handler '{1}' cannot be bound: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0007: two stream handlers of one compilation share a stream and a consumer group.</summary>
    public static readonly DiagnosticDescriptor DuplicateStreamGroup = new(
        id: "SH0007",
        title: "Duplicate stream and consumer group",
        messageFormat: "Stream '{0}' with group '{1}' is already handled by '{2}'; give this handler its own Group, or handle both cases in one method",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0008: a stream, channel, group or dead-letter stream name is empty.</summary>
    public static readonly DiagnosticDescriptor EmptyName = new(
        id: "SH0008",
        title: "Name cannot be empty",
        messageFormat: "The {0} of handler '{1}' is empty; give a non-empty {0}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0009: an attribute value is out of its range.</summary>
    public static readonly DiagnosticDescriptor ValueOutOfRange = new(
        id: "SH0009",
        title: "Attribute value out of range",
        messageFormat: "{0} = {1} on handler '{2}' is out of range; use a value {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0010: an async void handler, whose failures cannot be observed.</summary>
    public static readonly DiagnosticDescriptor AsyncVoidHandler = new(
        id: "SH0010",
        title: "Handler cannot be async void",
        messageFormat: "Handler '{0}' is async void, so its completion and failures cannot be observed; return Task or ValueTask instead",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0011: an instance handler on a type that dependency injection cannot create.</summary>
    public static readonly DiagnosticDescriptor UnconstructibleHandlerType = new(
        id: "SH0011",
        title: "Handler type cannot be created",
        messageFormat: "Instance handler '{0}' is declared on {1} '{2}', which cannot be created per message; declare it on a non-abstract class, or make the method static",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0012: a channel subscriber is both a pattern and a sharded subscription.</summary>
    public static readonly DiagnosticDescriptor PatternAndSharded = new(
        id: "SH0012",
        title: "Pattern subscriptions cannot be sharded",
        messageFormat: "Subscriber '{0}' sets both Pattern and Sharded, but the server has no sharded pattern subscription; set only one of them",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0013: a stream handler's dead-letter stream is its own stream.</summary>
    public static readonly DiagnosticDescriptor DeadLetterIsSource = new(
        id: "SH0013",
        title: "Dead-letter stream is the handled stream",
        messageFormat: "Handler '{0}' dead-letters into '{1}', the stream it handles, so failed entries would come back forever; name another DeadLetterStream",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0014: a property of a <c>[StreamFields]</c> type has a type that no stream field can hold.</summary>
    public static readonly DiagnosticDescriptor UnsupportedFieldType = new(
        id: "SH0014",
        title: "Property type cannot be a stream field",
        messageFormat: "Property '{0}' of [StreamFields] type '{1}' has type '{2}', which cannot be written as a stream field; use string, bool, an integer type, float, double, decimal, an enum, Guid, DateTime, DateTimeOffset, TimeSpan or byte[] (or their nullable forms), or send the type as JSON without [StreamFields]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0015: generated code cannot create a <c>[StreamFields]</c> type from its fields.</summary>
    public static readonly DiagnosticDescriptor NoUsableConstructor = new(
        id: "SH0015",
        title: "[StreamFields] type cannot be created from its fields",
        messageFormat: "[StreamFields] type '{0}' cannot be created from its fields: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0016: two properties of a <c>[StreamFields]</c> type map to the same field name.</summary>
    public static readonly DiagnosticDescriptor DuplicateFieldName = new(
        id: "SH0016",
        title: "Duplicate stream field name",
        messageFormat: "Property '{0}' of [StreamFields] type '{1}' maps to field '{2}', which property '{3}' already uses; give one of them another name with [StreamField(\"name\")]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0017: a channel subscriber takes a <c>[StreamFields]</c> type, but a Pub/Sub message has no fields.</summary>
    public static readonly DiagnosticDescriptor FieldsMessageOnChannel = new(
        id: "SH0017",
        title: "Pub/Sub messages cannot be field-mapped",
        messageFormat: "Parameter '{0}' of subscriber '{1}' is the [StreamFields] type '{2}', but a Pub/Sub message is one value with no fields; handle the type in a [StreamHandler], or take a JSON type without [StreamFields]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0018: generated code cannot see a <c>[StreamFields]</c> type (private, protected or file-local).</summary>
    public static readonly DiagnosticDescriptor InaccessibleFieldsType = new(
        id: "SH0018",
        title: "[StreamFields] type is not reachable from generated code",
        messageFormat: "[StreamFields] type '{0}' cannot be mapped by generated code because {1} is {2}; make it public or internal",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0019: a <c>[StreamFields]</c> type is generic or nested in a generic type.</summary>
    public static readonly DiagnosticDescriptor GenericFieldsType = new(
        id: "SH0019",
        title: "[StreamFields] type cannot be generic",
        messageFormat: "[StreamFields] type '{0}' is generic or nested in a generic type; declare a non-generic type for each message",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0020: a <c>[StreamField]</c> name is empty or white space.</summary>
    public static readonly DiagnosticDescriptor EmptyFieldName = new(
        id: "SH0020",
        title: "Stream field name cannot be empty",
        messageFormat: "The [StreamField] name of property '{0}' of '{1}' is empty; give a non-empty name, or remove the attribute to use the property's name",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>SH0021: a <c>[StreamFields]</c> type has no property to write, and a stream entry needs at least one field.</summary>
    public static readonly DiagnosticDescriptor NoFields = new(
        id: "SH0021",
        title: "[StreamFields] type has no properties",
        messageFormat: "[StreamFields] type '{0}' has no public instance property with a getter, but a stream entry needs at least one field; add a public property",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
