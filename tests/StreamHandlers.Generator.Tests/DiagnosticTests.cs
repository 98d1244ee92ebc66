using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// One test per diagnostic id: the id, its severity, the exact text it is placed on, a message that says what to write
/// instead, and that the bad handler (or the bad [StreamFields] type's mapper) is left out while a good handler of the
/// same compilation is still emitted.
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

    public static TheoryData<string, string> UnsupportedFieldTypes => new()
    {
        {
            Fields("""public sealed record Bad(string Id, List<int> /*[|*/Items/*|]*/);"""),
            "Property 'Items' of [StreamFields] type 'App.Bad' has type 'System.Collections.Generic.List<int>', which cannot be written as a stream field; use string, bool, an integer type"
        },
        {
            Fields("""
                public sealed class Bad
                {
                    public string Id { get; set; } = "";

                    public object? /*[|*/Payload/*|]*/ { get; set; }
                }
                """),
            "has type 'object?', which cannot be written as a stream field"
        },
        { Fields("""public sealed record Bad(char /*[|*/Letter/*|]*/);"""), "has type 'char'" },
        { Fields("""public sealed record Bad(int[] /*[|*/Numbers/*|]*/);"""), "has type 'int[]'" },
        { Fields("""public sealed record Bad(Uri? /*[|*/Link/*|]*/);"""), "has type 'System.Uri?'" },
        { Fields("""public sealed record Bad(DateOnly /*[|*/Day/*|]*/);"""), "has type 'System.DateOnly'" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedFieldTypes))]
    public void SH0014_is_reported_on_the_property(string source, string remedy) => AssertReported("SH0014", source, remedy);

    public static TheoryData<string, string> UnconstructibleFieldsTypes => new()
    {
        {
            Fields("""
                public sealed class /*[|*/Bad/*|]*/
                {
                    public Bad(string name) => Id = name;

                    public string Id { get; }
                }
                """),
            "[StreamFields] type 'App.Bad' cannot be created from its fields: no public or internal constructor has parameters that each match a property by name and type; add such a constructor, or a parameterless one with settable properties"
        },
        {
            // The parameter matches a property by name but not by type.
            Fields("""
                public sealed class /*[|*/Bad/*|]*/
                {
                    public Bad(long id) => Id = (int)id;

                    public int Id { get; }
                }
                """),
            "no public or internal constructor has parameters that each match a property by name and type"
        },
        {
            Fields("""
                public sealed class /*[|*/Bad/*|]*/
                {
                    private Bad() { }

                    public string Id { get; set; } = "";
                }
                """),
            "add such a constructor, or a parameterless one with settable properties"
        },
        { Fields("""public abstract record /*[|*/Bad/*|]*/(string Id);"""), "it is abstract; mark a concrete type [StreamFields]" },
        {
            Fields("""
                public sealed class /*[|*/Bad/*|]*/
                {
                    public required string Id { get; init; }

                    public required int Hidden;
                }
                """),
            "its required member 'Hidden' is not a field of the type; make it a public property of a supported type, or give the constructor [SetsRequiredMembers]"
        },
    };

    [Theory]
    [MemberData(nameof(UnconstructibleFieldsTypes))]
    public void SH0015_is_reported_on_the_type_name(string source, string remedy) => AssertReported("SH0015", source, remedy);

    public static TheoryData<string, string> DuplicateFieldNames => new()
    {
        {
            Fields("""public sealed record Bad(string Id, [property: StreamField("Id")] string /*[|*/Other/*|]*/);"""),
            "Property 'Other' of [StreamFields] type 'App.Bad' maps to field 'Id', which property 'Id' already uses; give one of them another name with [StreamField(\"name\")]"
        },
        {
            Fields("""
                public sealed class Bad
                {
                    [StreamField("at")]
                    public DateTime Created { get; set; }

                    [StreamField("at")]
                    public DateTime /*[|*/Updated/*|]*/ { get; set; }
                }
                """),
            "maps to field 'at', which property 'Created' already uses"
        },
    };

    [Theory]
    [MemberData(nameof(DuplicateFieldNames))]
    public void SH0016_is_reported_on_the_second_property(string source, string remedy) => AssertReported("SH0016", source, remedy);

    [Fact]
    public void SH0017_is_reported_on_the_subscriber_parameter() => AssertReported(
        "SH0017",
        """
        using StreamHandlers;

        namespace App;

        [StreamFields]
        public sealed record Order(string Id);

        public static class Bad
        {
            [ChannelSubscriber("orders:events")]
            public static void OnOrder(/*[|*/Order order/*|]*/) { }
        }
        """,
        "Parameter 'order' of subscriber 'App.Bad.OnOrder' is the [StreamFields] type 'App.Order', but a Pub/Sub message is one value with no fields; handle the type in a [StreamHandler], or take a JSON type without [StreamFields]");

    public static TheoryData<string, string> InaccessibleFieldsTypes => new()
    {
        {
            """
            using StreamHandlers;
            namespace App;
            public class Bad
            {
                [StreamFields]
                private sealed record /*[|*/Hidden/*|]*/(string Id);
            }
            """,
            "[StreamFields] type 'App.Bad.Hidden' cannot be mapped by generated code because the type is private; make it public or internal"
        },
        {
            """
            using StreamHandlers;
            namespace App;
            public class Bad
            {
                protected class Outer
                {
                    [StreamFields]
                    public sealed record /*[|*/Inner/*|]*/(string Id);
                }
            }
            """,
            "because its containing type 'Outer' is protected; make it public or internal"
        },
        {
            """
            using StreamHandlers;
            namespace App;
            [StreamFields]
            file sealed record /*[|*/Bad/*|]*/(string Id);
            """,
            "because the type is file-local; make it public or internal"
        },
    };

    [Theory]
    [MemberData(nameof(InaccessibleFieldsTypes))]
    public void SH0018_is_reported_on_the_type_name(string source, string remedy) => AssertReported("SH0018", source, remedy);

    public static TheoryData<string, string> GenericFieldsTypes => new()
    {
        {
            Fields("""public sealed record /*[|*/Bad/*|]*/<T>(string Id, T Value);"""),
            "[StreamFields] type 'App.Bad<T>' is generic or nested in a generic type; declare a non-generic type for each message"
        },
        {
            """
            using StreamHandlers;
            namespace App;
            public static class Bad<T>
            {
                [StreamFields]
                public sealed record /*[|*/Inner/*|]*/(string Id);
            }
            """,
            "is generic or nested in a generic type; declare a non-generic type for each message"
        },
    };

    [Theory]
    [MemberData(nameof(GenericFieldsTypes))]
    public void SH0019_is_reported_on_the_type_name(string source, string remedy) => AssertReported("SH0019", source, remedy);

    public static TheoryData<string, string> EmptyFieldNames => new()
    {
        {
            Fields("""public sealed record Bad(string Id, [property: StreamField(/*[|*/""/*|]*/)] string Other);"""),
            "The [StreamField] name of property 'Other' of 'App.Bad' is empty; give a non-empty name, or remove the attribute to use the property's name"
        },
        {
            // On the positional parameter itself, without the property: target.
            Fields("""public sealed record Bad([StreamField(/*[|*/" "/*|]*/)] string Id);"""),
            "The [StreamField] name of property 'Id' of 'App.Bad' is empty"
        },
    };

    [Theory]
    [MemberData(nameof(EmptyFieldNames))]
    public void SH0020_is_reported_on_the_name_argument(string source, string remedy) => AssertReported("SH0020", source, remedy);

    public static TheoryData<string, string> TypesWithoutFields => new()
    {
        { Fields("""public sealed class /*[|*/Bad/*|]*/ { }"""), "[StreamFields] type 'App.Bad' has no public instance property with a getter, but a stream entry needs at least one field; add a public property" },
        {
            Fields("""
                public sealed class /*[|*/Bad/*|]*/
                {
                    public static string Kind => "bad";

                    internal string Id { get; set; } = "";

                    public string Secret { private get; set; } = "";
                }
                """),
            "has no public instance property with a getter"
        },
    };

    [Theory]
    [MemberData(nameof(TypesWithoutFields))]
    public void SH0021_is_reported_on_the_type_name(string source, string remedy) => AssertReported("SH0021", source, remedy);

    /// <summary>A <c>[StreamFields]</c> type declaration in namespace <c>App</c>, with the usings every case needs.</summary>
    private static string Fields(string declaration) => $$"""
        using System;
        using System.Collections.Generic;
        using StreamHandlers;

        namespace App;

        [StreamFields]
        {{declaration}}
        """;

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
