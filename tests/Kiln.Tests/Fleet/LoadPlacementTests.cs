using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Kiln.Tests.Fleet;

/// <summary>
/// The real <see cref="ProjectGrain"/> and its load placement on three silos in this process (Orleans'
/// InProcessTestCluster), each publishing its load to a real Redis as a fleet's instances do. What each silo runs is
/// a count the test sets (<see cref="Counts"/>), standing in for its dev servers and generations.
/// </summary>
public sealed class LoadPlacementTests
{
    [Fact]
    public async Task New_projects_go_to_the_less_loaded_silos_and_none_to_a_draining_one()
    {
        var redis = await SharedRedis.GetAsync();
        var counts = new Dictionary<int, Counts> { [0] = new() { DevServers = 3, Generations = 2 }, [1] = new(), [2] = new() };
        var draining = new HashSet<int>();
        await using var cluster = await StartAsync(redis.Configuration, counts, draining);
        await WaitForFiguresAsync(cluster);

        // Asked on the loaded silo: placement sends its projects to the two idle ones, spread between them.
        var loaded = Silo(cluster, counts[0]);
        var owners = await PlaceAsync(loaded, "loaded", 6);

        Assert.DoesNotContain(loaded.Name, owners);
        Assert.Equal(3, owners.Count(o => o == Silo(cluster, counts[1]).Name));
        Assert.Equal(3, owners.Count(o => o == Silo(cluster, counts[2]).Name));
    }

    [Fact]
    public async Task A_draining_silo_gets_no_new_project_even_when_it_is_the_idlest_and_the_one_asked()
    {
        var redis = await SharedRedis.GetAsync();
        var counts = new Dictionary<int, Counts> { [0] = new(), [1] = new() { DevServers = 5 }, [2] = new() { Generations = 5 } };
        var draining = new HashSet<int> { 0 };
        await using var cluster = await StartAsync(redis.Configuration, counts, draining);
        await WaitForFiguresAsync(cluster);

        var drained = Silo(cluster, counts[0]);
        var owners = await PlaceAsync(drained, "drained", 6);

        Assert.DoesNotContain(drained.Name, owners);
        Assert.Equal(6, owners.Count);
    }

    [Fact]
    public async Task Local_placement_keeps_every_project_on_the_silo_asked()
    {
        var redis = await SharedRedis.GetAsync();
        var counts = new Dictionary<int, Counts> { [0] = new() { DevServers = 9 }, [1] = new(), [2] = new() };
        await using var cluster = await StartAsync(redis.Configuration, counts, [], ProjectPlacementMode.Local);
        await WaitForFiguresAsync(cluster);

        var loaded = Silo(cluster, counts[0]);
        Assert.All(await PlaceAsync(loaded, "local", 4), owner => Assert.Equal(loaded.Name, owner));
    }

    [Fact]
    public async Task A_call_marked_to_place_here_keeps_its_project_on_the_loaded_silo_it_came_from()
    {
        // What a project created outside an HTTP request (an import) needs: it cannot be forwarded, so it stays.
        var redis = await SharedRedis.GetAsync();
        var counts = new Dictionary<int, Counts> { [0] = new() { DevServers = 9 }, [1] = new(), [2] = new() };
        await using var cluster = await StartAsync(redis.Configuration, counts, []);
        await WaitForFiguresAsync(cluster);

        var loaded = Silo(cluster, counts[0]);
        var factory = loaded.ServiceProvider.GetRequiredService<IGrainFactory>();
        RequestContext.Set(LoadPlacement.HereKey, true);
        try
        {
            Assert.Equal(loaded.Name, (await factory.GetGrain<IProjectGrain>("marked00001").OwnerAsync()).Id);
        }
        finally
        {
            RequestContext.Remove(LoadPlacement.HereKey);
        }

        Assert.NotEqual(loaded.Name, (await factory.GetGrain<IProjectGrain>("unmarked0001").OwnerAsync()).Id);
    }

    /// <summary>The silo whose work <paramref name="counts"/> counts.</summary>
    private static InProcessSiloHandle Silo(InProcessTestCluster cluster, Counts counts) =>
        cluster.Silos.Single(silo => ReferenceEquals(silo.ServiceProvider.GetRequiredService<IRunningWork>(), counts));

    /// <summary>The owners of <paramref name="count"/> new projects, first called one after another on <paramref name="silo"/>.</summary>
    private static async Task<List<string>> PlaceAsync(InProcessSiloHandle silo, string name, int count)
    {
        var factory = silo.ServiceProvider.GetRequiredService<IGrainFactory>();
        var owners = new List<string>();
        for (var i = 0; i < count; i++)
        {
            owners.Add((await factory.GetGrain<IProjectGrain>($"{name}{i:d5}").OwnerAsync()).Id);
        }

        return owners;
    }

    /// <summary>Until every silo's figures are on the board (each publishes once at start, then every 100 ms).</summary>
    private static async Task WaitForFiguresAsync(InProcessTestCluster cluster)
    {
        var board = cluster.Silos[0].ServiceProvider.GetRequiredService<LoadBoard>();
        var silos = cluster.Silos.Select(s => s.SiloAddress).ToList();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await board.ReadAsync(silos)).Count < silos.Count)
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    private static async Task<InProcessTestCluster> StartAsync(
        string redisConfiguration, Dictionary<int, Counts> counts, HashSet<int> draining, ProjectPlacementMode mode = ProjectPlacementMode.Load)
    {
        var prefix = RedisServer.NewPrefix();
        var builder = new InProcessTestClusterBuilder(3);
        var next = 0;
        builder.ConfigureSilo((options, silo) =>
        {
            var index = Interlocked.Increment(ref next) - 1;
            silo.Services.AddSingleton<IProjectWork, NoWork>();
            silo.Services.AddSingleton<LocalProjects>();
            silo.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisConfiguration));
            silo.Services.Configure<StoreOptions>(store =>
            {
                store.Store = StoreKind.Redis;
                store.Redis.KeyPrefix = prefix;
            });
            silo.Services.Configure<FleetOptions>(fleet =>
            {
                fleet.InstanceId = options.SiloName;
                fleet.InstanceUrl = new Uri($"http://127.0.0.1:{options.SiloPort}/");
                fleet.LoadPublishInterval = TimeSpan.FromMilliseconds(100);
                fleet.Draining = draining.Contains(index);
                fleet.Placement = mode;
            });
            silo.Services.AddSingleton<ThisInstance>();
            silo.Services.AddSingleton<IRunningWork>(counts[index]);
            silo.Services.AddLoadPlacement(publish: true);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A silo's dev servers and generations, as the test sets them.</summary>
    private sealed class Counts : IRunningWork
    {
        public int DevServers { get; init; }

        public int Generations { get; init; }
    }

    /// <summary>The grain's own work is not what these tests look at.</summary>
    private sealed class NoWork : IProjectWork
    {
        public Task<CancellationToken> AdoptAsync(string projectId, CancellationToken cancellationToken) => Task.FromResult(CancellationToken.None);

        public Task<bool> IsBusyAsync(string projectId, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task StopAsync(string projectId, string reason, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
