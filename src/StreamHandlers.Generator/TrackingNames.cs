namespace StreamHandlers.Generator;

/// <summary>Names of the pipeline steps, so that tests can check what stays cached between edits.</summary>
internal static class TrackingNames
{
    public const string StreamHandlers = nameof(StreamHandlers);
    public const string ChannelSubscribers = nameof(ChannelSubscribers);
    public const string Handlers = nameof(Handlers);
    public const string Diagnostics = nameof(Diagnostics);
    public const string HandlerKeys = nameof(HandlerKeys);
    public const string AllHandlers = nameof(AllHandlers);

    /// <summary>Each <c>[StreamFields]</c> type, parsed.</summary>
    public const string StreamFieldsTypes = nameof(StreamFieldsTypes);

    /// <summary>The mapper model of each valid <c>[StreamFields]</c> type.</summary>
    public const string StreamFieldsSpecs = nameof(StreamFieldsSpecs);

    /// <summary>All mapper models of the compilation, for the mapper files and their registration.</summary>
    public const string AllStreamFieldsSpecs = nameof(AllStreamFieldsSpecs);

    /// <summary>The diagnostics of each <c>[StreamFields]</c> type.</summary>
    public const string StreamFieldsDiagnostics = nameof(StreamFieldsDiagnostics);

    /// <summary>Handlers and mappers together: everything that the generated files are written from.</summary>
    public const string EmittedModels = nameof(EmittedModels);
}
