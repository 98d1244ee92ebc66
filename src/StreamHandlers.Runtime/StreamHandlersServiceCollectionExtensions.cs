using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamHandlers;
using StreamHandlers.Infrastructure;
using StreamHandlers.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers StreamHandlers in a service collection.</summary>
public static class StreamHandlersServiceCollectionExtensions
{
    /// <summary>
    /// Registers every <c>[StreamHandler]</c> and <c>[ChannelSubscriber]</c> the source generator found, a hosted
    /// service that runs them, <see cref="IStreamPublisher"/>, <see cref="IChannelPublisher"/>, <see cref="IStreamMonitor"/>
    /// and <see cref="IDeadLetters"/>, and the background trimming of streams that have a <see cref="StreamPolicy.MaxAge"/>.
    /// Options are read from <see cref="StreamHandlersOptions"/> as configured elsewhere (for example with
    /// <c>services.Configure&lt;StreamHandlersOptions&gt;(…)</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddStreamHandlers(this IServiceCollection services)
        => services.AddStreamHandlers(configuration: null, configure: null);

    /// <summary>Registers StreamHandlers, as <see cref="AddStreamHandlers(IServiceCollection)"/>, with options set in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, for example <c>options.Configuration = "localhost:6379"</c>.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddStreamHandlers(this IServiceCollection services, Action<StreamHandlersOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddStreamHandlers(configuration: null, configure);
    }

    /// <summary>
    /// Registers StreamHandlers, as <see cref="AddStreamHandlers(IServiceCollection)"/>, with options bound from a
    /// configuration section (for example <c>builder.Configuration.GetSection("StreamHandlers")</c>) and then set in code.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <see cref="StreamHandlersOptions"/> values.</param>
    /// <param name="configure">Sets further options after binding; may be <see langword="null"/>.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddStreamHandlers(this IServiceCollection services, IConfiguration? configuration, Action<StreamHandlersOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var optionsBuilder = services.AddOptions<StreamHandlersOptions>();
        if (configuration is not null)
        {
            optionsBuilder.Bind(configuration);
        }

        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();

        // A second call adds options, but registers the handlers and the engine once.
        if (services.Any(d => d.ServiceType == typeof(HandlerCatalog)))
        {
            return services;
        }

        var builder = new HandlerRegistrationBuilder(services);
        foreach (var register in GeneratedHandlers.Snapshot())
        {
            register(builder);
        }

        services.AddSingleton(new HandlerCatalog(builder.StreamHandlers, builder.ChannelSubscribers));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StreamHandlersOptions>, StreamHandlersOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<StreamHandlersOptions>, StreamPolicyMerger>());
        services.TryAddSingleton<RedisConnections>();
        services.TryAddSingleton<IStreamPublisher, StreamPublisher>();
        services.TryAddSingleton<IChannelPublisher, ChannelPublisher>();
        services.TryAddSingleton<IStreamMonitor, StreamMonitor>();
        services.TryAddSingleton<IDeadLetters, DeadLetters>();
        services.AddHostedService<StreamHandlersHostedService>();
        services.AddHostedService<StreamTrimmer>();
        services.TryAddSingleton<StreamHealthCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamHealthCollector>());
        return services;
    }

    private static bool Any(this IServiceCollection services, Func<ServiceDescriptor, bool> predicate)
    {
        foreach (var descriptor in services)
        {
            if (predicate(descriptor))
            {
                return true;
            }
        }

        return false;
    }
}
