using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;
using StreamHandlers.Runtime.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace StreamHandlers.Runtime.Tests;

/// <summary>A stream policy out of range fails start-up, naming the stream and the property. No server is needed.</summary>
public sealed class ProducerPolicyValidationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("p:zero-length", "MaxLength", "0")]
    [InlineData("p:negative-length", "MaxLength", "-5")]
    [InlineData("p:zero-age", "MaxAge", "00:00:00")]
    [InlineData("p:negative-age", "MaxAge", "-00:00:01")]
    public async Task Start_fails_naming_the_stream_and_the_property(string stream, string property, string value)
    {
        await using var host = TestHost.Build<ProducerPolicyValidationTests>(server: null, output, options: o =>
        {
            o.Configuration = "127.0.0.1:1";
            o.Stream(stream, p =>
            {
                if (property == "MaxLength")
                {
                    p.MaxLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    p.MaxAge = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                }
            });

            // A valid policy beside it is not reported.
            o.Stream("p:valid", p =>
            {
                p.MaxLength = 1;
                p.MaxAge = TimeSpan.FromMilliseconds(1);
            });
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        output.WriteLine(error.Message);
        Assert.Equal(typeof(StreamHandlersOptions), error.OptionsType);
        var failure = Assert.Single(error.Failures);
        Assert.Contains(stream, failure, StringComparison.Ordinal);
        Assert.Contains(property, failure, StringComparison.Ordinal);
        Assert.Contains(stream, error.Message, StringComparison.Ordinal);
        Assert.Contains(property, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("p:valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_reports_every_bad_policy_at_once()
    {
        await using var host = TestHost.Build<ProducerPolicyValidationTests>(server: null, output, options: o =>
        {
            o.Configuration = "127.0.0.1:1";
            o.Stream("p:a", p => p.MaxLength = 0);
            o.Stream("p:b", p => p.MaxAge = TimeSpan.Zero);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Equal(2, System.Linq.Enumerable.Count(error.Failures));
        Assert.Contains(error.Failures, f => f.Contains("\"p:a\"", StringComparison.Ordinal) && f.Contains("MaxLength", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("\"p:b\"", StringComparison.Ordinal) && f.Contains("MaxAge", StringComparison.Ordinal));
    }
}
