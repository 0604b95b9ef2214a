using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Kiln.Projects;

public static class ProjectsServiceCollectionExtensions
{
    /// <summary>
    /// Registers projects: their options (<c>Kiln:ProjectsRoot</c>…, <c>Kiln:Store</c>, <c>Kiln:Cleanup</c>, <c>Kiln:Quotas</c>, each
    /// validated at start), the workspace on disk, the store <c>Kiln:Store</c> names (SQLite by default; Redis with
    /// one connection for the process), where projects are placed (here, unless the fleet says otherwise), what
    /// counts as use, each project's MCP token with the Data Protection keys that seal it (beside the store, so every
    /// instance on it reads them), and the one way a project is removed, with the cleanup policy that uses it.
    /// </summary>
    public static IServiceCollection AddProjects(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProjectsOptions>().BindConfiguration(ProjectsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CleanupOptions>().BindConfiguration(CleanupOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ProjectWorkspace>();
        services.AddSingleton<HostPaths>();
        services.AddSingleton<ProjectFence>();

        if (StoreOptions.KindIn(configuration) == StoreKind.Redis)
        {
            // One multiplexer for the whole process, as StackExchange.Redis intends; it keeps a separate connection
            // for pub/sub itself. Connecting fails the start when Redis cannot be reached (unless abortConnect=false).
            services.AddSingleton<IConnectionMultiplexer>(provider =>
                ConnectionMultiplexer.Connect(provider.GetRequiredService<IOptions<StoreOptions>>().Value.Redis.Configuration!));
            services.AddSingleton(provider => new RedisKeys(provider.GetRequiredService<IOptions<StoreOptions>>().Value.Redis.KeyPrefix));
            services.AddSingleton<RedisFence>();
            services.AddSingleton<IProjectStore, RedisProjectStore>();
            services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer, RedisKeys>((keyManagement, redis, keys) =>
                keyManagement.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), keys.DataProtectionKeys));
        }
        else
        {
            services.AddSingleton<SqliteDatabase>();
            services.AddSingleton<IProjectStore, SqliteProjectStore>();
            services.AddOptions<KeyManagementOptions>().Configure<ProjectWorkspace, ILoggerFactory>((keyManagement, workspace, logging) =>
                keyManagement.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(workspace.DataProtectionKeysDirectory), logging));
        }

        // One application name, so every instance (and every restart) reads what the others sealed.
        services.AddDataProtection().SetApplicationName("Kiln");
        services.AddSingleton<McpTokens>();
        services.AddSingleton<ProjectEnvironment>();

        services.TryAddSingleton<IProjectPlacement, SingleInstancePlacement>();
        services.AddSingleton<ProjectActivity>();
        services.AddProjectStateHolder<ProjectActivity>();
        services.AddSingleton<ProjectDiskUsage>();
        services.AddProjectStateHolder<ProjectDiskUsage>();
        services.AddSingleton<ProjectRemoval>();
        services.AddSingleton<DurableState>();
        services.AddSingleton<ProjectCleanup>();
        services.AddHostedService(provider => provider.GetRequiredService<ProjectCleanup>());
        return services;
    }
}
