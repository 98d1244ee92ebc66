using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace StreamHandlers.Internal;

/// <summary>Fails start-up on a bad option, with a message that names it.</summary>
internal sealed class StreamHandlersOptionsValidator(IServiceProviderIsService isService) : IValidateOptions<StreamHandlersOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamHandlersOptions options)
    {
        var failures = new List<string>();

        if (options.ConfigurationOptions is null)
        {
            if (!string.IsNullOrWhiteSpace(options.Configuration))
            {
                try
                {
                    ConfigurationOptions.Parse(options.Configuration);
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException)
                {
                    failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.Configuration)} is not a valid StackExchange.Redis configuration string: {ex.Message}");
                }
            }
            else if (!isService.IsService(typeof(IConnectionMultiplexer)))
            {
                failures.Add(
                    $"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.Configuration)} is required: set it to a StackExchange.Redis " +
                    "configuration string such as \"localhost:6379\", or register an IConnectionMultiplexer before the host starts.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.ConsumerName))
        {
            failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.ConsumerName)} must not be empty; leave it unset for a name unique to this process.");
        }

        if (options.ShutdownTimeout < TimeSpan.Zero)
        {
            failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.ShutdownTimeout)} must not be negative (it is {options.ShutdownTimeout}).");
        }

        if (options.IdleConsumerTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.IdleConsumerTimeout)} must be positive (it is {options.IdleConsumerTimeout}).");
        }

        if (options.MetricsInterval <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.MetricsInterval)} must be positive (it is {options.MetricsInterval}).");
        }

        if (options.SubscriberQueueCapacity < 1)
        {
            failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.SubscriberQueueCapacity)} must be at least 1 (it is {options.SubscriberQueueCapacity}).");
        }

        if (options.JsonSerializerOptions is null)
        {
            failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.JsonSerializerOptions)} must not be null.");
        }

        foreach (var policy in options.StreamPolicies)
        {
            if (string.IsNullOrWhiteSpace(policy.Stream))
            {
                failures.Add($"{nameof(StreamHandlersOptions)}.{nameof(StreamHandlersOptions.StreamPolicies)} has an entry without {nameof(StreamPolicy.Stream)}; name the stream key of each policy.");
            }
        }

        foreach (var (key, policy) in options.Streams)
        {
            if (policy.MaxLength is null && policy.MaxAge is null)
            {
                failures.Add(
                    $"{nameof(StreamHandlersOptions)}.Stream(\"{key}\") sets neither {nameof(StreamPolicy.MaxLength)} nor {nameof(StreamPolicy.MaxAge)}. " +
                    $"In configuration a key that contains ':' is read as a path: list such streams under {nameof(StreamHandlersOptions.StreamPolicies)} with a {nameof(StreamPolicy.Stream)} field instead.");
            }

            if (policy.MaxLength is <= 0)
            {
                failures.Add($"{nameof(StreamHandlersOptions)}.Stream(\"{key}\").{nameof(StreamPolicy.MaxLength)} must be positive (it is {policy.MaxLength}).");
            }

            if (policy.MaxAge is { } age && age <= TimeSpan.Zero)
            {
                failures.Add($"{nameof(StreamHandlersOptions)}.Stream(\"{key}\").{nameof(StreamPolicy.MaxAge)} must be positive (it is {age}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
