using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace StreamHandlers.Runtime.Tests;

/// <summary>
/// Stream policies bound from configuration. Stream keys conventionally contain ':' ("ai:tasks"), which is also the
/// configuration path separator: appsettings.json's <c>"Streams": { "ai:tasks": { "MaxLength": 1000 } }</c> is flattened
/// to <c>StreamHandlers:Streams:ai:tasks:MaxLength</c>.
/// </summary>
public sealed class ProducerPolicyBindingTests
{
    [Fact]
    public void A_policy_for_a_key_without_a_colon_binds_from_configuration()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["StreamHandlers:Streams:orders:MaxLength"] = "20",
            ["StreamHandlers:Streams:orders:MaxAge"] = "00:00:05",
        });

        var policy = Assert.Single(options.Streams).Value;
        Assert.Equal(20, policy.MaxLength);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.MaxAge);
    }

    // The dictionary shape cannot carry a key with ':' (configuration reads it as a path): rather than losing the
    // policy silently, start-up fails and says to use the list shape.
    [Fact]
    public void A_colon_key_in_the_dictionary_shape_fails_at_start_up_pointing_to_the_list_shape()
    {
        const string json = """
            {
              "StreamHandlers": {
                "Configuration": "127.0.0.1:1",
                "Streams": {
                  "ai:tasks": { "MaxLength": 1000, "MaxAge": "01:00:00" }
                }
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

        var error = Assert.Throws<OptionsValidationException>(() => Bind(configuration));
        Assert.Contains("StreamPolicies", error.Message);
        Assert.Contains("Stream(\"ai\")", error.Message);
    }

    // The shape of samples/AiTasks/appsettings.json: a list of policies, each naming its stream.
    [Fact]
    public void A_policy_for_a_key_with_a_colon_binds_from_the_list_shape_of_appsettings_json()
    {
        const string json = """
            {
              "StreamHandlers": {
                "Configuration": "127.0.0.1:1",
                "StreamPolicies": [
                  { "Stream": "ai:tasks", "MaxLength": 1000, "MaxAge": "01:00:00" }
                ]
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var options = Bind(configuration);

        var keys = string.Join(", ", options.Streams.Select(p => $"'{p.Key}'"));
        Assert.True(options.Streams.TryGetValue("ai:tasks", out var policy), $"no policy for 'ai:tasks'; the bound policies are: {keys}");
        Assert.Equal(1000, policy.MaxLength);
        Assert.Equal(TimeSpan.FromHours(1), policy.MaxAge);
        Assert.Single(options.Streams);
    }

    private static StreamHandlersOptions Bind(Dictionary<string, string?> values)
    {
        values["StreamHandlers:Configuration"] = "127.0.0.1:1";
        return Bind(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    private static StreamHandlersOptions Bind(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddStreamHandlers(configuration.GetSection("StreamHandlers"));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<StreamHandlersOptions>>().Value;
    }
}
