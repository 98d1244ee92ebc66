using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// Compiles test sources against .NET 8 and the StreamHandlers assemblies, runs the generator on them, and
/// compiles the result.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>C# latest, with XML documentation checked, so a broken cref in generated code is a warning.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly CSharpCompilationOptions CompilationOptions =
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
            // As in this repository's non-packable projects: the test sources' public types carry no XML docs.
            // Generated types are internal, so CS1591 could never concern them.
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net80.References.All,
        // StreamHandlers.Abstractions and .Runtime, and the Microsoft.Extensions abstractions that handlers use.
        .. new[]
            {
                typeof(StreamHandlerAttribute),
                typeof(Infrastructure.GeneratedHandlers),
                typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection),
                typeof(Microsoft.Extensions.Logging.ILogger),
            }
            .Select(type => type.Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => MetadataReference.CreateFromFile(path)),

        // StackExchange.Redis's net8.0 build: the one beside this assembly targets net10.0 (see the project file).
        MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "net8.0-references", "StackExchange.Redis.dll")),
    ];

    /// <summary>A compilation of the sources, named <c>Source0.cs</c>, <c>Source1.cs</c>, … in order.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "TestAssembly",
            sources.Select((source, i) => ParseFile(source, $"Source{i}.cs")),
            References,
            CompilationOptions);

    public static SyntaxTree ParseFile(string source, string path) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>A driver that records every named step, for the cacheability tests.</summary>
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new StreamHandlersGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    public static GeneratorRun Run(CSharpCompilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return new GeneratorRun(driver, driver.GetRunResult(), compilation, output);
    }
}

/// <summary>What one run of the generator produced.</summary>
internal sealed record GeneratorRun(GeneratorDriver Driver, GeneratorDriverRunResult Result, CSharpCompilation Input, Compilation Output)
{
    public GeneratorRunResult Generator => Result.Results.Single();

    public ImmutableArray<GeneratedSourceResult> Sources => Generator.GeneratedSources;

    public IEnumerable<string> HintNames => Sources.Select(s => s.HintName);

    /// <summary>The diagnostics that the generator reported.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    /// <summary>The diagnostics of the user's code plus the generated code, compiled together.</summary>
    public ImmutableArray<Diagnostic> OutputDiagnostics => Output.GetDiagnostics();

    public string Source(string hintName)
    {
        var found = Sources.Where(s => s.HintName == hintName).ToList();
        if (found.Count != 1)
        {
            throw new Xunit.Sdk.XunitException($"Expected one generated source '{hintName}' but the generator produced: {string.Join(", ", HintNames)}");
        }

        return found[0].SourceText.ToString();
    }

    public string AllGeneratedText => string.Join("\n", Sources.Select(s => s.SourceText.ToString()));
}
