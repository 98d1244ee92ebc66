using System;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using StreamHandlers.Generator.Helpers;
using StreamHandlers.Generator.Models;
using Xunit;

namespace StreamHandlers.Generator.Tests;

/// <summary>
/// An edit that does not touch a handler must leave every pipeline step cached, so the IDE does no work for it;
/// and no model may hold a Roslyn object, which would break that caching and keep old compilations alive.
/// </summary>
public sealed class CacheabilityTests
{
    /// <summary>Every step name of <see cref="TrackingNames"/>, found by reflection so a new step is covered too.</summary>
    private static readonly string[] StepNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!)
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>App.OrderHandlers, Other.Audit, the registration; App.Order's mapper and its registration.</summary>
    private const int GeneratedFiles = 5;

    private const string UnrelatedMethod = """
                public static int Unrelated()
                {
                    return 1;
                }
        """;

    /// <summary>
    /// Stream and channel handlers, a field-mapped message, a bad handler and a bad [StreamFields] type (so there are
    /// diagnostics of both kinds), and an unrelated method last.
    /// </summary>
    private const string HandlersFile = $$"""
        using System.Threading;
        using System.Threading.Tasks;
        using StreamHandlers;

        namespace App;

        [StreamFields]
        public sealed record Order(string Id, decimal Amount, [property: StreamField("at")] System.DateTimeOffset CreatedAt)
        {
            public string? Note { get; init; }
        }

        [StreamFields]
        public sealed class BadFields
        {
            public object? Payload { get; set; }
        }

        public sealed class OrderHandlers
        {
            [StreamHandler("orders", Group = "billing", MaxRetries = 5)]
            public Task OnOrder(Order order, StreamMessageContext context, CancellationToken ct) => Task.CompletedTask;

            [ChannelSubscriber("orders:events", Pattern = false)]
            public static void OnEvent(string message, ChannelMessageContext context) { }

            [StreamHandler("orders:bad", MaxRetries = -1)]
            public void OnBad(string data) { }
        }

        public static class Helpers
        {
        {{UnrelatedMethod}}
        }
        """;

    private const string OtherHandlersFile = """
        using StreamHandlers;

        namespace Other;

        public static class Audit
        {
            [StreamHandler("audit")]
            public static void OnAudit(string data) { }
        }
        """;

    [Fact]
    public void The_tracked_steps_are_the_ones_of_TrackingNames()
    {
        Assert.Equal(
            [
                "AllHandlers",
                "AllStreamFieldsSpecs",
                "ChannelSubscribers",
                "Diagnostics",
                "EmittedModels",
                "HandlerKeys",
                "Handlers",
                "StreamFieldsDiagnostics",
                "StreamFieldsSpecs",
                "StreamFieldsTypes",
                "StreamHandlers",
            ],
            StepNames);

        var result = FirstRun(CreateCompilation()).Result;
        foreach (var name in StepNames)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"Step '{name}' was not tracked: is WithTrackingName missing?");
            Assert.All(Outputs(result, name), output => Assert.Equal(IncrementalStepRunReason.New, output.Reason));
        }
    }

    [Fact]
    public void Adding_an_unrelated_file_keeps_every_step_cached()
    {
        var compilation = CreateCompilation();
        var unrelated = GeneratorHarness.ParseFile("namespace App; public static class Unrelated { public static int Answer() => 42; }", "Unrelated.cs");

        var second = RunAgain(compilation, compilation.AddSyntaxTrees(unrelated));

        AssertCached(second, StepNames);
    }

    [Fact]
    public void Editing_an_unrelated_method_body_in_a_handlers_file_keeps_every_step_cached()
    {
        var compilation = CreateCompilation();
        var edited = EditFirstFile(compilation, "return 1;", "return 1 + 2 + 3;");

        var second = RunAgain(compilation, edited);

        AssertCached(second, StepNames);
    }

    [Fact]
    public void Running_again_on_a_cloned_compilation_keeps_every_step_cached()
    {
        var compilation = CreateCompilation();

        var second = RunAgain(compilation, compilation.Clone());

        AssertCached(second, StepNames);
    }

    [Fact]
    public void Moving_handlers_down_the_file_keeps_the_generated_sources_cached()
    {
        // A new line above the handlers and [StreamFields] types moves their locations, which the diagnostics and duplicate
        // keys carry, so those steps run again; the handler and mapper models have no location and stay equal, so nothing
        // is re-emitted.
        var compilation = CreateCompilation();
        var edited = EditFirstFile(compilation, "namespace App;", "namespace App;\n\n// A comment that moves everything below it.");

        var second = RunAgain(compilation, edited);

        AssertCached(
            second,
            [TrackingNames.Handlers, TrackingNames.StreamFieldsSpecs, TrackingNames.AllStreamFieldsSpecs, TrackingNames.EmittedModels],
            onlyOutputsOfTheseSteps: true);
    }

    [Fact]
    public void No_model_holds_a_Roslyn_object()
    {
        var first = FirstRun(CreateCompilation());
        var second = RunAgain(CreateCompilation(), EditFirstFile(CreateCompilation(), "return 1;", "return 2;"));

        foreach (var result in new[] { first.Result, second })
        {
            var outputs = 0;
            foreach (var name in StepNames)
            {
                foreach (var (step, index) in result.TrackedSteps[name].Select((s, i) => (s, i)))
                {
                    foreach (var (value, _) in step.Outputs)
                    {
                        outputs++;
                        Assert.Empty(ModelWalker.FindRoslynObjects(value, $"{name}[{index}]"));
                    }
                }
            }

            Assert.True(outputs >= StepNames.Length, "The steps had no outputs to check.");
        }
    }

    [Fact]
    public void The_model_walker_finds_a_Roslyn_object_however_deep()
    {
        // The check above passes only if the walker can find something: hide a syntax tree and a location in models.
        var tree = GeneratorHarness.ParseFile("class C { }", "C.cs");
        var parameter = new ParameterSpec(ParameterKind.Message, "string");
        var holder = new Holder(
            new EquatableArray<ParameterSpec>([parameter]),
            ImmutableArray.Create<object>("text", new Holder(EquatableArray<ParameterSpec>.Empty, [tree], null)),
            tree.GetRoot().GetLocation());

        var found = ModelWalker.FindRoslynObjects(holder, "holder");

        Assert.Equal(2, found.Count);
        Assert.Contains(found, path => path.StartsWith("holder.<Items>k__BackingField", StringComparison.Ordinal) && path.Contains("SyntaxTree", StringComparison.Ordinal));
        Assert.Contains(found, path => path.StartsWith("holder.<Where>k__BackingField", StringComparison.Ordinal));
        Assert.Empty(ModelWalker.FindRoslynObjects(new Holder(new EquatableArray<ParameterSpec>([parameter]), ["text", 1], null), "clean"));
    }

    private sealed record Holder(EquatableArray<ParameterSpec> Parameters, ImmutableArray<object> Items, object? Where);

    private static CSharpCompilation CreateCompilation() => GeneratorHarness.CreateCompilation(HandlersFile, OtherHandlersFile);

    private static (GeneratorDriver Driver, GeneratorRunResult Result) FirstRun(CSharpCompilation compilation)
    {
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Equal(GeneratedFiles, result.GeneratedSources.Length);
        return (driver, result);
    }

    private static GeneratorRunResult RunAgain(CSharpCompilation first, CSharpCompilation second)
    {
        var (driver, _) = FirstRun(first);
        var result = driver.RunGenerators(second).GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return result;
    }

    private static CSharpCompilation EditFirstFile(CSharpCompilation compilation, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.First();
        var text = tree.GetText();
        var start = text.ToString().IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{oldText}' is not in the file.");
        var edited = tree.WithChangedText(text.WithChanges(new TextChange(new TextSpan(start, oldText.Length), newText)));
        return compilation.ReplaceSyntaxTree(tree, edited);
    }

    private static (object Value, IncrementalStepRunReason Reason)[] Outputs(GeneratorRunResult result, string stepName) =>
        result.TrackedSteps[stepName].SelectMany(step => step.Outputs).ToArray();

    private static void AssertCached(GeneratorRunResult result, string[] stepNames, bool onlyOutputsOfTheseSteps = false)
    {
        foreach (var name in stepNames)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"Step '{name}' was not tracked.");
            var outputs = Outputs(result, name);
            Assert.NotEmpty(outputs);
            var changed = outputs.Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)).ToList();
            Assert.True(changed.Count == 0, $"Step '{name}' was not cached: {string.Join(", ", changed.Select(o => $"{o.Reason} {o.Value}"))}");
        }

        // What the generator hands to the compiler: the sources (and diagnostics) it adds.
        Assert.NotEmpty(result.TrackedOutputSteps);
        foreach (var (name, allSteps) in result.TrackedOutputSteps)
        {
            var steps = onlyOutputsOfTheseSteps
                ? allSteps.Where(step => step.Inputs.Any(input => stepNames.Contains(input.Source.Name))).ToList()
                : [.. allSteps];
            Assert.NotEmpty(steps);
            var reasons = steps.SelectMany(step => step.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"Output step '{name}' was {reason}."));
        }

        Assert.Equal(GeneratedFiles, result.GeneratedSources.Length);
    }
}
