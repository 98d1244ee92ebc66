using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// Code as it is while being typed: the compiler reports its errors; the generator must not throw, must not add
/// diagnostics of its own, and must not emit code that adds errors of its own (repeating the compiler's), while a
/// good handler in the same compilation is still emitted.
/// </summary>
public sealed class HalfTypedCodeTests
{
    private const string GoodHandler = """
        using StreamHandlers;

        namespace App;

        public static class Good
        {
            [ChannelSubscriber("good")]
            public static void Handle(string message) { }
        }
        """;

    public static TheoryData<string> BrokenMembers => new()
    {
        """[StreamHandler("s")] public void H(Unknown x) { }""",
        """[StreamHandler("s")] public void H(string m, Unknown service) { }""",
        """[StreamHandler("s")] public Unknown H(string m) => default!;""",
        """[StreamHandler("s")] public Task<Unknown> H(string m) => default!;""",
        """[StreamHandler("s")] public void H(List<Unknown> items) { }""",
        """[StreamHandler("s")] public void H(Unknown[] items) { }""",
        """[StreamHandler("s")] public void H(string m, IEnumerable<Unknown> services) { }""",
        """[StreamHandler(] public void H(string m) { }""",
        """[StreamHandler("s", MaxRetries = )] public void H(string m) { }""",
        """[StreamHandler(42)] public void H(string m) { }""",
        """[StreamHandler("s", Group = Missing.Name)] public void H(string m) { }""",
        """[StreamHandler("s", Nonexistent = 1)] public void H(string m) { }""",
        """[ChannelSubscriber("c", Pattern = maybe)] public static void H(string m) { }""",
        """[ChannelSubscriber("c")] public static void (string m) { }""",
        """[ChannelSubscriber("c")] public static void H(string m""",
        """[StreamHandler""",
    };

    [Theory]
    [MemberData(nameof(BrokenMembers))]
    public void Broken_handlers_neither_throw_nor_report_nor_break_generated_code(string members)
    {
        var source = $$"""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using StreamHandlers;

            namespace App;

            public class Broken
            {
                {{members}}
            }
            """;

        var run = GeneratorHarness.Run(source, GoodHandler);

        Assert.Contains(run.Input.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.GeneratorDiagnostics);

        var userFiles = run.Input.SyntaxTrees.ToHashSet();
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && !userFiles.Contains(tree)));

        Assert.Contains("App.Good.g.cs", run.HintNames);
    }

    public static TheoryData<string> BrokenFieldsTypes => new()
    {
        """[StreamFields] public sealed record Broken(string Id, Unknown Value);""",
        """[StreamFields] public sealed record Broken(string Id, List<Unknown> Values);""",
        """[StreamFields] public sealed class Broken { public Unknown[] Values { get; set; } }""",
        """[StreamFields] public sealed record Broken(string Id, [property: StreamField(] string Other);""",
        """[StreamFields] public sealed record Broken(string Id, [property: StreamField(42)] string Other);""",
        """[StreamFields] public sealed record Broken(string Id, [property: StreamField(Missing.Name)] string Other);""",
        """[StreamFields] public sealed record Broken([StreamField()] string Id);""",
        """[StreamFields] public sealed record Broken(string Id""",
        """[StreamFields] public sealed class Broken { public string Id { get; set; } public Broken(string id) => Id = id }""",
        """[StreamFields""",
    };

    [Theory]
    [MemberData(nameof(BrokenFieldsTypes))]
    public void Broken_field_mapped_types_neither_throw_nor_report_nor_break_generated_code(string declaration)
    {
        var source = $$"""
            using System.Collections.Generic;
            using StreamHandlers;

            namespace App;

            {{declaration}}
            """;

        var run = GeneratorHarness.Run(source, GoodHandler);

        Assert.Contains(run.Input.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.GeneratorDiagnostics);

        var userFiles = run.Input.SyntaxTrees.ToHashSet();
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && !userFiles.Contains(tree)));

        Assert.Contains("App.Good.g.cs", run.HintNames);
    }
}
