using System.Net;
using System.Net.Sockets;
using Kiln.Projects;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Kiln.Fleet;

public static class FleetServiceCollectionExtensions
{
    /// <summary>
    /// Registers the fleet (DESIGN.md section 10): options from <c>Kiln:Fleet</c> (validated at start), this instance's
    /// Orleans silo, the project grain that owns each project, and forwarding to a project's owner. With
    /// <c>Kiln:Store=redis</c> the silo joins the cluster whose membership table and grain directory are in that Redis;
    /// alone (SQLite) it is a cluster of one on loopback. Either way a project is owned where its grain is active.
    /// </summary>
    public static WebApplicationBuilder AddFleet(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<FleetOptions>().BindConfiguration(FleetOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ThisInstance>();
        services.AddSingleton<LocalProjects>();
        services.AddSingleton<OrphanedGenerations>();
        services.AddSingleton<IProjectWork, ProjectWork>();
        services.AddSingleton<ProjectReplica>();
        services.AddSingleton<IDurableStateReplica>(provider => provider.GetRequiredService<ProjectReplica>());
        services.AddProjectStateHolder<ProjectReplica>();
        services.AddSingleton<RestoredPreviews>();
        services.AddHostedService(provider => provider.GetRequiredService<RestoredPreviews>());
        services.AddProjectStateHolder<RestoredPreviews>();
        services.AddSingleton<ProjectOwnership>();
        services.AddSingleton<IProjectPlacement>(provider => provider.GetRequiredService<ProjectOwnership>());
        services.AddProjectStateHolder<ProjectOwnership>();
        services.AddHttpForwarder();
        services.AddSingleton<OwnerForwarder>();
        services.AddSingleton<OwnerForwarding>();

        // Read now: the silo's endpoint is fixed before the container exists. Validated with the rest at start.
        var fleet = configuration.GetSection(FleetOptions.Section).Get<FleetOptions>() ?? new FleetOptions();
        var siloPort = fleet.SiloPort != 0 ? fleet.SiloPort : FreePort();
        // One id per start (per host, where a test runs several in one process), also the silo's name in the cluster.
        var instanceId = fleet.InstanceId ?? ThisInstance.NewId();
        services.PostConfigure<FleetOptions>(options => options.InstanceId ??= instanceId);
        var shared = StoreOptions.KindIn(configuration) == StoreKind.Redis;

        // The cluster keeps real time even where Kiln's own clock is another (a test's FakeTimeProvider): Orleans asks
        // for its clocks by key (TimeProviderNames), and this answers every key before its own fallback would.
        services.AddKeyedSingleton(KeyedService.AnyKey, TimeProvider.System);
        builder.UseOrleans(silo =>
        {
            silo.Configure<SiloOptions>(options => options.SiloName = instanceId);
            if (shared)
            {
                ConfigureCluster(silo, configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions(), fleet.ResolveAdvertisedAddress(), siloPort);
            }
            else
            {
                // No gateway: Kiln is the silo's only client, in the same process.
                silo.UseLocalhostClustering(siloPort, gatewayPort: 0, serviceId: "kiln", clusterId: "kiln-local");
            }
        });

        if (shared)
        {
            services.AddHostedService<ClusterWatch>();
            // Each instance on its own disk: a project's durable files are replicated to the shared Redis.
            services.AddSingleton<ReplicaStore>();
        }

        services.AddSingleton<IRunningWork, RunningWork>();
        services.AddLoadPlacement(publish: shared);

        return builder;
    }

    /// <summary>
    /// The cluster in the store's Redis, under its key prefix (so fleets on one Redis stay apart), on the store's own
    /// connection, with membership tuned to declare a silo that stopped answering dead in about a second or two
    /// (README: Running a fleet), and the grain directory there too: with the in-cluster directory, a silo leaving
    /// moves healthy projects along with its own.
    /// </summary>
    private static void ConfigureCluster(ISiloBuilder silo, StoreOptions store, IPAddress advertised, int siloPort)
    {
        var prefix = store.Redis.KeyPrefix;
        var redisConfiguration = ConfigurationOptions.Parse(store.Redis.Configuration ?? "localhost");
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ServiceId = "kiln";
            cluster.ClusterId = prefix + "fleet";
        });
        silo.ConfigureEndpoints(advertised, siloPort, gatewayPort: 0);
        silo.UseRedisClustering(options =>
        {
            options.ConfigurationOptions = redisConfiguration;
            options.CreateRedisKey = cluster => $"{cluster.ClusterId}/members";
        });
        silo.UseRedisGrainDirectoryAsDefault(options => options.Configure<IConnectionMultiplexer>((directory, redis) =>
        {
            directory.ConfigurationOptions = redisConfiguration;
            directory.CreateMultiplexer = _ => Task.FromResult((redis, true));
        }));
        silo.Services.AddOptions<Orleans.Clustering.Redis.RedisClusteringOptions>().Configure<IConnectionMultiplexer>((clustering, redis) =>
            clustering.CreateMultiplexer = _ => Task.FromResult((redis, true)));
        silo.Services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<FleetOptions>>((membership, fleet) =>
        {
            membership.ProbeTimeout = fleet.Value.ProbeTimeout;
            membership.NumMissedProbesLimit = fleet.Value.MissedProbesLimit;
            membership.TableRefreshTimeout = fleet.Value.TableRefreshTimeout;
            membership.IAmAliveTablePublishTimeout = fleet.Value.IAmAliveTablePublishTimeout;
        });
    }

    /// <summary>A port nothing listens on now, for a silo that was given none.</summary>
    /// <summary>
    /// A free port for the silo when none is configured, from below the kernel's ephemeral range. Port 0 would give one
    /// from that range, which the kernel also hands to outgoing connections: one was taken by another process's
    /// connection between this choice and the silo's bind, which failed the start (AddressInUse) in a full test run with
    /// dozens of Kilns starting. Ports below the range are given only to listeners that ask for them.
    /// </summary>
    private static int FreePort()
    {
        var lowest = EphemeralRangeStart();
        for (var attempt = 0; lowest > FirstChoice + 1 && attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(FirstChoice, lowest);
            try
            {
                using var probe = new TcpListener(IPAddress.Any, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Someone listens there: another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const int FirstChoice = 10000;

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768; // Linux's default.
        }
    }

    /// <summary>First, before the preview origin: names the instance on each response; a preview request is served by its project's owner.</summary>
    public static IApplicationBuilder UseFleet(this IApplicationBuilder app) =>
        app.Use(app.ApplicationServices.GetRequiredService<OwnerForwarding>().PreviewAsync);

    /// <summary>After authorization: an endpoint that needs the project's owner is served there.</summary>
    public static IApplicationBuilder UseFleetForwarding(this IApplicationBuilder app) =>
        app.Use(app.ApplicationServices.GetRequiredService<OwnerForwarding>().ApiAsync);
}
