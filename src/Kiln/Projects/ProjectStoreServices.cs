using Kiln.Events;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Kiln.Projects;

public static class ProjectStoreServices
{
    /// <summary>
    /// Registers the store <c>Kiln:Store</c> names: SQLite by default; Redis with its connection and the relay that
    /// brings other instances' events to this one's subscribers. Options are validated at start.
    /// </summary>
    public static IServiceCollection AddProjectStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var kind = configuration.GetSection(StoreOptions.Section).GetValue<StoreKind?>(nameof(StoreOptions.Store)) ?? StoreKind.Sqlite;
        if (kind != StoreKind.Redis)
        {
            services.AddSingleton<IProjectStore, SqliteProjectStore>();
            return services;
        }

        // One multiplexer for the whole process, as StackExchange.Redis intends; it keeps a separate connection
        // for pub/sub itself. Connecting fails the start when Redis cannot be reached (unless abortConnect=false).
        services.AddSingleton<IConnectionMultiplexer>(provider =>
            ConnectionMultiplexer.Connect(provider.GetRequiredService<IOptions<StoreOptions>>().Value.Redis.Configuration!));
        services.AddSingleton(provider => new RedisKeys(provider.GetRequiredService<IOptions<StoreOptions>>().Value.Redis.KeyPrefix));
        services.AddSingleton<IProjectStore, RedisProjectStore>();
        services.AddHostedService<RedisEventRelay>();
        return services;
    }
}
