using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// One test per diagnostic id: the id, its severity, the exact text it is placed on, a message that says what to write
/// instead, and that the bad handler is left out while a good handler of the same compilation is still emitted.
/// </summary>
public sealed class DiagnosticTests
{
    private const string GoodHandler = """
        using StreamHandlers;

        namespace App;

        public static class Good
        {
            [StreamHandler("good")]
            public static void Handle(string data) { }
        }
        """;

    public static TheoryData<string, string> UnsupportedReturnTypes => new()
    {
        { Bad("""[StreamHandler("s")] public /*[|*/int/*|]*/ H(string m) => 0;"""), "returns 'int'; return void, Task or ValueTask instead" },
        { Bad("""[StreamHandler("s")] public /*[|*/Task<int>/*|]*/ H(string m) => Task.FromResult(0);"""), "return void, Task or ValueTask instead" },
        { Bad("""[ChannelSubscriber("c")] public static /*[|*/ValueTask<bool>/*|]*/ H(string m) => default;"""), "return void, Task or ValueTask instead" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedReturnTypes))]
    public void SH0001_is_reported_on_the_return_type(string source, string remedy) => AssertReported("SH0001", source, remedy);

    public static TheoryData<string, string> MissingMessages => new()
    {
        { Bad("""[StreamHandler("s")] public void H/*[|*/()/*|]*/ { }"""), "make the first parameter the message (string, StreamEntry or a JSON type)" },
        { Bad("""[StreamHandler("s")] public void H(/*[|*/StreamMessageContext context/*|]*/) { }"""), "make the first parameter the message" },
        { Bad("""[StreamHandler("s")] public void H(/*[|*/CancellationToken ct/*|]*/) { }"""), "make the first parameter the message" },
        { Bad("""[ChannelSubscriber("c")] public void H(/*[|*/ChannelMessageContext context/*|]*/) { }"""), "make the first parameter the message" },
    };

    [Theory]
    [MemberData(nameof(MissingMessages))]
    public void SH0002_is_reported_on_the_parameter_list_or_the_first_parameter(string source, string remedy) => AssertReported("SH0002", source, remedy);

    public static TheoryData<string, string> ByRefParameters => new()
    {
        { Bad("""[StreamHandler("s")] public void H(/*[|*/ref string m/*|]*/) { }"""), "is 'ref'; declare it as a plain by-value parameter" },
        { Bad("""[StreamHandler("s")] public void H(/*[|*/out string m/*|]*/) { m = ""; }"""), "is 'out'; declare it as a plain by-value parameter" },
        { Bad("""[StreamHandler("s")] public void H(/*[|*/in string m/*|]*/) { }"""), "is 'in'; declare it as a plain by-value parameter" },
        { Bad("""[StreamHandler("s")] public void H(/*[|*/params string[] m/*|]*/) { }"""), "is 'params'; declare it as a plain by-value parameter" },
        { Bad("""[ChannelSubscriber("c")] public void H(string m, /*[|*/ref CancellationToken ct/*|]*/) { }"""), "is 'ref'; declare it as a plain by-value parameter" },
    };

    [Theory]
    [MemberData(nameof(ByRefParameters))]
    public void SH0003_is_reported_on_the_parameter(string source, string remedy) => AssertReported("SH0003", source, remedy);

    public static TheoryData<string, string> GenericHandlers => new()
    {
        { Bad("""[StreamHandler("s")] public static void /*[|*/H/*|]*/<T>(string m) { }"""), "declare it as a non-generic method of a non-generic type" },
        {
            """
            using StreamHandlers;
            namespace App;
            public class Bad<T>
            {
                [StreamHandler("s")] public void /*[|*/H/*|]*/(string m) { }
            }
            """,
            "declare it as a non-generic method of a non-generic type"
        },
        {
            """
            using StreamHandlers;
            namespace App;
            public static class Bad<T>
            {
                public static class Inner
                {
                    [ChannelSubscriber("c")] public static void /*[|*/H/*|]*/(string m) { }
                }
            }
            """,
            "declare it as a non-generic method of a non-generic type"
        },
    };

    [Theory]
    [MemberData(nameof(GenericHandlers))]
    public void SH0004_is_reported_on_the_method_name(string source, string remedy) => AssertReported("SH0004", source, remedy);

    public static TheoryData<string, string> InaccessibleHandlers => new()
    {
        { Bad("""[StreamHandler("s")] private void /*[|*/H/*|]*/(string m) { }"""), "because the method is private; make it public or internal" },
        { Bad("""[StreamHandler("s")] protected void /*[|*/H/*|]*/(string m) { }"""), "because the method is protected; make it public or internal" },
        { Bad("""[StreamHandler("s")] private protected void /*[|*/H/*|]*/(string m) { }"""), "because the method is private protected; make it public or internal" },
        {
            """
            using StreamHandlers;
            namespace App;
            public class Bad
            {
                private sealed class Hidden
                {
                    [StreamHandler("s")] public void /*[|*/H/*|]*/(string m) { }
                }
            }
            """,
            "because its containing type 'Hidden' is private; make it public or internal"
        },
        {
            """
            using StreamHandlers;
            namespace App;
            public class Bad
            {
                protected static class Hidden
                {
                    [ChannelSubscriber("c")] public static void /*[|*/H/*|]*/(string m) { }
                }
            }
            """,
            "because its containing type 'Hidden' is protected; make it public or internal"
        },
    };

    [Theory]
    [MemberData(nameof(InaccessibleHandlers))]
    public void SH0005_is_reported_on_the_method_name(string source, string remedy) => AssertReported("SH0005", source, remedy);

    public static TheoryData<string, string> UnbindableParameters => new()
    {
        { Bad("""[StreamHandler("s")] public void H(string m, /*[|*/int retries/*|]*/) { }"""), "cannot be resolved from services; move the message first" },
        { Bad("""[StreamHandler("s")] public void H(string m, /*[|*/string other/*|]*/) { }"""), "move the message first" },
        { Bad("""[StreamHandler("s")] public void H(string m, /*[|*/ChannelMessageContext context/*|]*/) { }"""), "use that instead of ChannelMessageContext" },
        { Bad("""[ChannelSubscriber("c")] public void H(string m, /*[|*/StreamMessageContext context/*|]*/) { }"""), "use that instead of StreamMessageContext" },
        { Bad("""[ChannelSubscriber("c")] public void H(/*[|*/StreamEntry entry/*|]*/) { }"""), "take the message as string or as a JSON type" },
        { Bad("""[StreamHandler("s")] public void H(/*[|*/dynamic message/*|]*/) { }"""), "take a concrete type" },
        { Bad("""[StreamHandler("s")] public void H(/*[|*/System.ReadOnlySpan<byte> message/*|]*/) { }"""), "take a string, byte[] or a JSON type" },
    };

    [Theory]
    [MemberData(nameof(UnbindableParameters))]
    public void SH0006_is_reported_on_the_parameter(string source, string remedy) => AssertReported("SH0006", source, remedy);

    public static TheoryData<string, string> DuplicateStreamGroups => new()
    {
        {
            Bad("""
                [StreamHandler("dup", Group = "g")]
                [/*[|*/StreamHandler("dup", Group = "g")/*|]*/]
                public void H(string m) { }
                """),
            "give this handler its own Group"
        },
        {
            // The default group is the same for both attributes of one method.
            Bad("""
                [StreamHandler("dup")]
                [/*[|*/StreamHandler("dup")/*|]*/]
                public void H(string m) { }
                """),
            "is already handled by 'App.Bad.H'; give this handler its own Group"
        },
        {
            // Across types: the later declaration is the one reported.
            """
            using StreamHandlers;
            namespace App;
            public static class First
            {
                [StreamHandler("dup", Group = "shared")] public static void H(string m) { }
            }
            public static class Bad
            {
                [/*[|*/StreamHandler("dup", Group = "shared")/*|]*/] public static void H(string m) { }
            }
            """,
            "is already handled by 'App.First.H'; give this handler its own Group"
        },
    };

    /// <remarks>
    /// Duplicates are found over the whole compilation, in a step of their own: the handlers themselves are still emitted
    /// (the error fails the build anyway), so this test does not check that the duplicate is left out.
    /// </remarks>
    [Theory]
    [MemberData(nameof(DuplicateStreamGroups))]
    public void SH0007_is_reported_on_the_second_attribute(string source, string remedy) =>
        AssertReported("SH0007", source, remedy, badHandlerEmitted: true);

    public static TheoryData<string, string> EmptyNames => new()
    {
        { Bad("""[StreamHandler(/*[|*/""/*|]*/)] public void H(string m) { }"""), "The stream of handler 'App.Bad.H' is empty; give a non-empty stream" },
        { Bad("""[StreamHandler(/*[|*/"  "/*|]*/)] public void H(string m) { }"""), "give a non-empty stream" },
        { Bad("""[StreamHandler("s", /*[|*/Group = ""/*|]*/)] public void H(string m) { }"""), "give a non-empty group" },
        { Bad("""[StreamHandler("s", /*[|*/DeadLetterStream = ""/*|]*/)] public void H(string m) { }"""), "give a non-empty dead-letter stream" },
        { Bad("""[ChannelSubscriber(/*[|*/""/*|]*/)] public static void H(string m) { }"""), "give a non-empty channel" },
    };

    [Theory]
    [MemberData(nameof(EmptyNames))]
    public void SH0008_is_reported_on_the_empty_argument(string source, string remedy) => AssertReported("SH0008", source, remedy);

    public static TheoryData<string, string> OutOfRangeValues => new()
    {
        { Bad("""[StreamHandler("s", /*[|*/MaxRetries = -1/*|]*/)] public void H(string m) { }"""), "MaxRetries = -1 on handler 'App.Bad.H' is out of range; use a value of 0 or more" },
        { Bad("""[StreamHandler("s", /*[|*/BatchSize = 0/*|]*/)] public void H(string m) { }"""), "BatchSize = 0 on handler 'App.Bad.H' is out of range; use a value of 1 or more" },
        { Bad("""[StreamHandler("s", /*[|*/Concurrency = 0/*|]*/)] public void H(string m) { }"""), "Concurrency = 0 on handler 'App.Bad.H' is out of range; use a value of 1 or more" },
        { Bad("""[StreamHandler("s", /*[|*/RetryDelayMs = -5/*|]*/)] public void H(string m) { }"""), "RetryDelayMs = -5 on handler 'App.Bad.H' is out of range; use a value of 0 or more" },
        { Bad("""[StreamHandler("s", /*[|*/ClaimIdleMs = 0/*|]*/)] public void H(string m) { }"""), "ClaimIdleMs = 0 on handler 'App.Bad.H' is out of range; use a value of 1 or more" },
        { Bad("""[ChannelSubscriber("c", /*[|*/Concurrency = -1/*|]*/)] public static void H(string m) { }"""), "Concurrency = -1 on handler 'App.Bad.H' is out of range; use a value of 1 or more" },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeValues))]
    public void SH0009_is_reported_on_the_named_argument(string source, string remedy) => AssertReported("SH0009", source, remedy);

    [Fact]
    public void SH0010_is_reported_on_the_method_name() => AssertReported(
        "SH0010",
        Bad("""[StreamHandler("s")] public async void /*[|*/H/*|]*/(string m) => await Task.Yield();"""),
        "is async void, so its completion and failures cannot be observed; return Task or ValueTask instead");

    public static TheoryData<string, string> UnconstructibleTypes => new()
    {
        {
            """
            using StreamHandlers;
            namespace App;
            public abstract class Bad
            {
                [StreamHandler("s")] public void /*[|*/H/*|]*/(string m) { }
            }
            """,
            "is declared on abstract class 'App.Bad', which cannot be created per message; declare it on a non-abstract class, or make the method static"
        },
        {
            """
            using StreamHandlers;
            namespace App;
            public interface Bad
            {
                [ChannelSubscriber("c")] void /*[|*/H/*|]*/(string m);
            }
            """,
            "is declared on interface 'App.Bad'"
        },
        {
            """
            using StreamHandlers;
            namespace App;
            public struct Bad
            {
                [StreamHandler("s")] public void /*[|*/H/*|]*/(string m) { }
            }
            """,
            "is declared on struct 'App.Bad'"
        },
    };

    [Theory]
    [MemberData(nameof(UnconstructibleTypes))]
    public void SH0011_is_reported_on_the_method_name(string source, string remedy) => AssertReported("SH0011", source, remedy);

    [Fact]
    public void SH0012_is_reported_on_the_sharded_argument() => AssertReported(
        "SH0012",
        Bad("""[ChannelSubscriber("c:*", Pattern = true, /*[|*/Sharded = true/*|]*/)] public static void H(string m) { }"""),
        "sets both Pattern and Sharded, but the server has no sharded pattern subscription; set only one of them");

    [Fact]
    public void SH0013_is_reported_on_the_dead_letter_argument() => AssertReported(
        "SH0013",
        Bad("""[StreamHandler("orders", /*[|*/DeadLetterStream = "orders"/*|]*/)] public void H(string m) { }"""),
        "dead-letters into 'orders', the stream it handles, so failed entries would come back forever; name another DeadLetterStream");

    /// <summary>The members in a public class <c>App.Bad</c>, with the usings every case needs.</summary>
    private static string Bad(string members) => $$"""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using StreamHandlers;

        namespace App;

        public class Bad
        {
            {{members}}
        }
        """;

    private static void AssertReported(string id, string source, string remedy, bool badHandlerEmitted = false)
    {
        var expectedSpan = Markup.Span(source);
        var run = GeneratorHarness.Run(source, GoodHandler);

        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.DefaultSeverity);

        var lineSpan = diagnostic.Location.GetLineSpan();
        Assert.Equal("Source0.cs", lineSpan.Path);
        var covered = source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        Assert.True(
            expectedSpan == diagnostic.Location.SourceSpan,
            $"{id} covers '{covered}' ({diagnostic.Location.SourceSpan}); expected '{source.Substring(expectedSpan.Start, expectedSpan.Length)}' ({expectedSpan}).");

        // The line position agrees with the span, so the IDE squiggle and the build output point at the same text.
        var text = run.Input.SyntaxTrees.First().GetText();
        Assert.Equal(text.Lines.GetLinePositionSpan(expectedSpan), lineSpan.Span);

        Assert.Contains(remedy, diagnostic.GetMessage(CultureInfo.InvariantCulture));

        Assert.Contains("App.Good.g.cs", run.HintNames);
        Assert.Contains("global::App.Good.Handle(", run.Source("App.Good.g.cs"));
        if (!badHandlerEmitted)
        {
            Assert.DoesNotContain("global::App.Bad", run.AllGeneratedText);
            Assert.DoesNotContain(run.HintNames, hint => hint.StartsWith("App.Bad", System.StringComparison.Ordinal));
        }

        // The user code itself is valid C#: the generator's diagnostic is the one error, and the good handler's code compiles.
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
