using Microsoft.Extensions.Options;

namespace StreamHandlers.Internal;

/// <summary>Merges the list form of stream policies into <see cref="StreamHandlersOptions.Streams"/>, after all configuration.</summary>
internal sealed class StreamPolicyMerger : IPostConfigureOptions<StreamHandlersOptions>
{
    public void PostConfigure(string? name, StreamHandlersOptions options)
    {
        foreach (var policy in options.StreamPolicies)
        {
            if (string.IsNullOrWhiteSpace(policy.Stream))
            {
                continue;
            }

            options.Stream(policy.Stream, merged =>
            {
                merged.MaxLength = policy.MaxLength ?? merged.MaxLength;
                merged.MaxAge = policy.MaxAge ?? merged.MaxAge;
            });
        }
    }
}
