using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// Legal but less common declarations: each must either produce generated code that compiles without warnings,
/// or a StreamHandlers diagnostic, never broken generated code or a generator exception.
/// </summary>
public sealed class EdgeCaseTests
{
    [Fact]
    public void Overloaded_handler_methods_compile_without_warnings()
    {
        // With XML documentation on (GenerateDocumentationFile, as in this repository), an ambiguous
        // <see cref="Type.Method"/> in generated code is warning CS0419, an error under TreatWarningsAsErrors.
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace App;

            public sealed record Order(string Id);

            public static class Orders
            {
                [StreamHandler("orders:text")]
                public static void On(string text) { }

                [StreamHandler("orders")]
                public static void On(Order order) { }
            }
            """);

        AssertCleanRun(run);
        Assert.Contains("App.Orders.g.cs", run.HintNames);
    }

    [Fact]
    public void Nullable_value_type_message_accepts_the_json_null()
    {
        // Like 'Order?', an 'int?' message says that the JSON literal null is a valid message: it must be read as
        // int? (null for 'null'), not as int, which fails to bind 'null' and dead-letters the entry.
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace App;

            public static class Counters
            {
                [ChannelSubscriber("counts")]
                public static void OnCount(int? count) { }
            }
            """);

        AssertCleanRun(run);
        Assert.Matches(
            @"var message = invocation\.ReadJsonOrNull<(int\?|global::System\.Nullable<int>)>\(\);",
            run.Source("App.Counters.g.cs"));
    }

    [Fact]
    public void Handler_method_named_with_a_keyword_is_called_as_written()
    {
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace App;

            public static class Handlers
            {
                [ChannelSubscriber("events")]
                public static void @event(string message) { }
            }
            """);

        AssertCleanRun(run);
        Assert.Contains("global::App.Handlers.@event(message);", run.Source("App.Handlers.g.cs"));
    }

    [Fact]
    public void Namespace_and_type_named_with_keywords_do_not_break_the_generator()
    {
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace Company.@event;

            public static class @record
            {
                [ChannelSubscriber("events")]
                public static void On(string message) { }
            }
            """);

        AssertCleanRun(run);
        Assert.Contains("global::Company.@event.@record.On(message);", run.AllGeneratedText);
    }

    [Fact]
    public void Types_whose_names_differ_only_by_dot_or_underscore_get_separate_generated_classes()
    {
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace A
            {
                public static class B_C
                {
                    [ChannelSubscriber("first")]
                    public static void On(string message) { }
                }
            }

            namespace A_B
            {
                public static class C
                {
                    [ChannelSubscriber("second")]
                    public static void On(string message) { }
                }
            }
            """);

        AssertCleanRun(run);
        Assert.Contains("global::A.B_C.On(message);", run.AllGeneratedText);
        Assert.Contains("global::A_B.C.On(message);", run.AllGeneratedText);
    }

    [Fact]
    public void Null_group_and_dead_letter_stream_mean_the_defaults()
    {
        // Both properties are string?, and null is their default: writing it out must not read as "empty".
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace App;

            public static class Handlers
            {
                [StreamHandler("orders", Group = null, DeadLetterStream = null)]
                public static void On(string data) { }
            }
            """);

        AssertCleanRun(run);
        var source = run.Source("App.Handlers.g.cs");
        Assert.Contains("Group = \"App.Handlers.On\",", source);
        Assert.Contains("DeadLetterStream = \"orders:dlq\",", source);
    }

    [Fact]
    public void Handler_in_a_file_local_type_is_reported_not_emitted()
    {
        // Generated code lives in files of its own and cannot name a 'file' type.
        var source = """
            using StreamHandlers;

            namespace App;

            file static class Local
            {
                [ChannelSubscriber("events")]
                public static void /*[|*/On/*|]*/(string message) { }
            }
            """;

        var run = GeneratorHarness.Run(source);

        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SH0005", diagnostic.Id);
        Assert.Equal(Markup.Span(source), diagnostic.Location.SourceSpan);
        Assert.DoesNotContain("Local", run.AllGeneratedText);
    }

    [Fact]
    public void Undefined_start_value_is_reported_or_written_as_valid_code()
    {
        // StreamStart has two values; anything else is either an SH diagnostic or, at the least, code that compiles.
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace App;

            public static class Handlers
            {
                [StreamHandler("orders", Start = (StreamStart)(-1))]
                public static void On(string data) { }
            }
            """);

        Assert.Null(run.Generator.Exception);
        var userFiles = run.Input.SyntaxTrees.ToHashSet();
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && !userFiles.Contains(tree)));
    }

    [Fact]
    public void Field_mapped_type_takes_base_type_properties_and_an_override_once()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using StreamHandlers;

            namespace App;

            public abstract class Message
            {
                public Guid MessageId { get; init; }

                public virtual string Source { get; init; } = "";
            }

            [StreamFields]
            public sealed class Order : Message
            {
                public string Id { get; init; } = "";

                public override string Source { get; init; } = "orders";
            }
            """);

        AssertCleanRun(run);
        var mapper = run.Source("App.Order.Fields.g.cs");

        // The base type's properties first, in declaration order; the override stands in for the virtual one.
        var written = mapper.Split('\n').Where(line => line.TrimStart().StartsWith("fields.", System.StringComparison.Ordinal)).Select(line => line.Trim()).ToArray();
        Assert.Equal(
            [
                "fields.Guid(\"MessageId\", value.MessageId);",
                "fields.String(\"Source\", value.Source);",
                "fields.String(\"Id\", value.Id);",
            ],
            written);
    }

    [Fact]
    public void Field_mapped_reference_types_without_nullable_annotations_are_optional()
    {
        // '#nullable disable' code may hold null in any string: such a field is left out when null, and may be missing.
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace App;

            #nullable disable
            [StreamFields]
            public sealed record Legacy(string Id, byte[] Payload, int Count);
            """);

        AssertCleanRun(run);
        var mapper = run.Source("App.Legacy.Fields.g.cs");
        Assert.Contains("Id: fields.OptionalString(\"Id\"),", mapper);
        Assert.Contains("Payload: fields.OptionalByteArray(\"Payload\"),", mapper);
        Assert.Contains("Count: fields.Int32(\"Count\"));", mapper);
    }

    [Fact]
    public void Field_mapped_constructor_that_sets_required_members_needs_no_initializer()
    {
        var run = GeneratorHarness.Run("""
            using System.Diagnostics.CodeAnalysis;
            using StreamHandlers;

            namespace App;

            [StreamFields]
            public sealed class Invoice
            {
                public Invoice() { }

                [SetsRequiredMembers]
                public Invoice(string number, decimal total)
                {
                    Number = number;
                    Total = total;
                }

                public required string Number { get; init; }

                public required decimal Total { get; init; }
            }
            """);

        AssertCleanRun(run);
        var mapper = run.Source("App.Invoice.Fields.g.cs");
        Assert.Contains(
            """
                        return new global::App.Invoice(
                            number: fields.String("Number"),
                            total: fields.Decimal("Total"));
            """,
            mapper);
    }

    [Fact]
    public void Mapper_file_and_a_nested_type_named_Fields_get_separate_hint_names()
    {
        // App.Order's mapper would be App.Order.Fields.g.cs, the name of the handlers file of App.Order.Fields.
        var run = GeneratorHarness.Run("""
            using StreamHandlers;

            namespace App;

            [StreamFields]
            public sealed record Order(string Id)
            {
                public static class Fields
                {
                    [StreamHandler("orders")]
                    public static void On(Order order) { }
                }
            }
            """);

        AssertCleanRun(run);
        Assert.Contains("App.Order.Fields.g.cs", run.HintNames);
        Assert.Contains("App.Order.Fields.2.g.cs", run.HintNames);
        Assert.Contains("IStreamFieldsMapper<global::App.Order>", run.Source("App.Order.Fields.2.g.cs"));
        Assert.Contains("invocation.ReadFields<global::App.Order>()", run.Source("App.Order.Fields.g.cs"));
    }

    [Fact]
    public void Field_mapped_struct_without_a_constructor_is_created_by_its_setters()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using StreamHandlers;

            namespace App;

            [StreamFields]
            public struct Reading
            {
                public string Sensor { get; set; }

                public double Value { get; set; }

                public DateTimeOffset At { get; set; }
            }
            """);

        AssertCleanRun(run);
        var mapper = run.Source("App.Reading.Fields.g.cs");
        Assert.Contains("return new global::App.Reading\n", mapper);
        Assert.Contains("Value = fields.Double(\"Value\"),", mapper);
    }

    private static void AssertCleanRun(GeneratorRun run)
    {
        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }
}
