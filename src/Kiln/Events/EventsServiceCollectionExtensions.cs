using Kiln.Projects;

namespace Kiln.Events;

public static class EventsServiceCollectionExtensions
{
    /// <summary>
    /// Registers events: options from <c>Kiln:Events</c> (validated at start), the event store in the same backend
    /// as the projects (with Redis, the relay that brings other instances' events to this one's subscribers), the
    /// event log every piece appends to, and the metrics read off it.
    /// </summary>
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (StoreOptions.KindIn(configuration) == StoreKind.Redis)
        {
            services.AddSingleton(provider => new RedisEventKeys(provider.GetRequiredService<RedisKeys>()));
            services.AddSingleton<IEventStore, RedisEventStore>();
            services.AddHostedService<RedisEventRelay>();
        }
        else
        {
            services.AddSingleton<IEventStore, SqliteEventStore>();
        }

        services.AddSingleton<KilnMetrics>();
        services.AddSingleton<EventLog>();
        services.AddProjectStateHolder<EventLog>();
        return services;
    }
}
