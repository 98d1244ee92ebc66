using System.Linq;
using System.Text;
using Xunit;

namespace StreamHandlers.Generator.Tests;

/// <summary>The same input gives byte-identical output: no dependence on run, hash seeds, file order or culture.</summary>
public sealed class DeterminismTests
{
    /// <summary>Every snapshot case in one compilation.</summary>
    private static readonly string[] AllFiles = [.. Sources.All.Values.SelectMany(files => files)];

    [Fact]
    public void Two_runs_on_the_same_input_give_identical_sources()
    {
        var first = GeneratorHarness.Run(AllFiles);
        var second = GeneratorHarness.Run(AllFiles);

        AssertIdentical(first, second);
    }

    [Fact]
    public void The_order_of_the_files_does_not_change_the_output()
    {
        var forward = GeneratorHarness.Run(AllFiles);
        var backward = GeneratorHarness.Run([.. AllFiles.Reverse()]);

        AssertIdentical(forward, backward);
    }

    [Fact]
    public void The_current_culture_does_not_change_the_output()
    {
        var invariant = GeneratorHarness.Run(AllFiles);
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            // A culture with a different minus sign, digits grouping and sorting ("i" and "I" differ in Turkish).
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("tr-TR");
            System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.CurrentCulture;
            var turkish = GeneratorHarness.Run(AllFiles);

            AssertIdentical(invariant, turkish);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
            System.Globalization.CultureInfo.CurrentUICulture = previous;
        }
    }

    private static void AssertIdentical(GeneratorRun first, GeneratorRun second)
    {
        Assert.NotEmpty(first.Sources);
        var expected = first.Sources.OrderBy(s => s.HintName, System.StringComparer.Ordinal).ToList();
        var actual = second.Sources.OrderBy(s => s.HintName, System.StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(s => s.HintName), actual.Select(s => s.HintName));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(Encoding.UTF8.GetBytes(expected[i].SourceText.ToString()), Encoding.UTF8.GetBytes(actual[i].SourceText.ToString()));
            Assert.Equal(expected[i].SourceText.GetChecksum().ToArray(), actual[i].SourceText.GetChecksum().ToArray());
        }
    }
}
