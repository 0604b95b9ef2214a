using System.Collections.Concurrent;
using System.Diagnostics;
using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Kiln.Tests.Fleet;

/// <summary>
/// The real <see cref="ProjectGrain"/> on three silos in this process (Orleans' InProcessTestCluster). What a project
/// runs is a real child process per project (<c>sleep</c>), standing in for its dev server, so what taking a project
/// and giving it up do can be seen from outside.
/// </summary>
public sealed class ProjectGrainTests
{
    [Fact]
    public async Task Concurrent_first_calls_from_every_silo_activate_each_project_once()
    {
        await using var work = new ChildProcesses();
        await using var cluster = await StartAsync(work);
        var projects = Enumerable.Range(0, 8).Select(i => $"p{i:d11}").ToList();
        var factories = cluster.Silos.Select(silo => silo.ServiceProvider.GetRequiredService<IGrainFactory>()).ToList();

        // 40 first calls per project at once, spread over the three silos.
        var calls = projects.SelectMany(projectId => Enumerable.Range(0, 40).Select(async i =>
            (projectId, owner: await factories[i % factories.Count].GetGrain<IProjectGrain>(projectId).OwnerAsync())));
        var answers = await Task.WhenAll(calls);

        foreach (var projectId in projects)
        {
            Assert.Single(answers.Where(a => a.projectId == projectId).Select(a => a.owner).Distinct());
            Assert.Equal(1, work.Adoptions[projectId]);
            Assert.False(work.Started[projectId].HasExited);
        }

        Assert.Equal(0, work.Overlaps);
        // Each project is held, in LocalProjects, by exactly the silo it answers from.
        foreach (var (projectId, owner) in answers.DistinctBy(a => a.projectId))
        {
            var holders = cluster.Silos.Where(silo => silo.ServiceProvider.GetRequiredService<LocalProjects>().Contains(projectId)).Select(silo => silo.Name);
            Assert.Equal([owner.Id], holders);
        }
    }

    [Fact]
    public async Task Deactivating_a_project_stops_what_it_runs_and_lets_it_go()
    {
        await using var work = new ChildProcesses();
        await using var cluster = await StartAsync(work);
        var grain = cluster.Client.GetGrain<IProjectGrain>("deactivated1");
        var owner = await grain.OwnerAsync();
        var devServer = work.Started["deactivated1"];
        Assert.False(devServer.HasExited);

        await grain.ReleaseAsync();
        await cluster.WaitForDeactivationAsync(grain);

        await devServer.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Contains("deactivated1", work.Stopped);
        var silo = cluster.Silos.Single(s => s.Name == owner.Id);
        Assert.False(silo.ServiceProvider.GetRequiredService<LocalProjects>().Contains("deactivated1"));

        // The next call takes it again, with a new dev server.
        await grain.OwnerAsync();
        Assert.Equal(2, work.Adoptions["deactivated1"]);
        Assert.False(work.Started["deactivated1"].HasExited);
    }

    [Fact]
    public async Task A_project_that_lost_its_tenure_stops_what_it_runs_and_goes_at_once()
    {
        await using var work = new ChildProcesses();
        await using var cluster = await StartAsync(work);
        var grain = cluster.Client.GetGrain<IProjectGrain>("fenced1");
        var owner = await grain.OwnerAsync();
        var devServer = work.Started["fenced1"];

        // What the fence does when a newer epoch refuses one of the project's writes here.
        await work.Tenures["fenced1"].CancelAsync();

        await devServer.WaitForExitAsync(TestContext.Current.CancellationToken);
        await cluster.WaitForDeactivationAsync(grain).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Contains("fenced1", work.Stopped);
        Assert.False(cluster.Silos.Single(s => s.Name == owner.Id).ServiceProvider.GetRequiredService<LocalProjects>().Contains("fenced1"));
    }

    [Fact]
    [Slow]
    public async Task Idle_collection_takes_an_idle_project_but_never_a_busy_one()
    {
        await using var work = new ChildProcesses();
        // Collected after 3 s without a call, looked at every second.
        await using var cluster = await StartAsync(work, collection =>
        {
            collection.CollectionQuantum = TimeSpan.FromSeconds(1);
            collection.ClassSpecificCollectionAge[typeof(ProjectGrain).FullName!] = TimeSpan.FromSeconds(3);
        });
        work.Busy["busy1"] = true;
        var busy = cluster.Client.GetGrain<IProjectGrain>("busy1");
        var idle = cluster.Client.GetGrain<IProjectGrain>("idle1");
        await Task.WhenAll(busy.OwnerAsync(), idle.OwnerAsync());
        var busyDevServer = work.Started["busy1"];

        // Nobody calls either: the idle one goes with its dev server, the busy one (a generation, a visited preview) stays.
        await cluster.WaitForDeactivationAsync(idle).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        await work.Started["idle1"].WaitForExitAsync(TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        Assert.True(cluster.TryGetGrainContext(busy.GetGrainId(), out _), "The busy project was collected.");
        Assert.False(busyDevServer.HasExited);
        Assert.DoesNotContain("busy1", work.Stopped);

        // Once it is done, it is collected like any other.
        work.Busy.TryRemove("busy1", out _);
        await cluster.WaitForDeactivationAsync(busy).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        await busyDevServer.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, work.Adoptions["busy1"]);
    }

    private static async Task<InProcessTestCluster> StartAsync(ChildProcesses work, Action<GrainCollectionOptions>? collection = null)
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            silo.Services.AddSingleton<IProjectWork>(work);
            silo.Services.AddSingleton<LocalProjects>();
            silo.Services.AddSingleton(new ThisInstance(Options.Create(new FleetOptions
            {
                InstanceId = options.SiloName,
                InstanceUrl = new Uri($"http://127.0.0.1:{options.SiloPort}/"),
            }), Options.Create(new StoreOptions { Store = StoreKind.Redis })));
            // No Redis here: each silo knows only its own load, and so places as the caller's silo (as before load placement).
            silo.Services.AddSingleton<IRunningWork, NoRunningWork>();
            silo.Services.AddLoadPlacement(publish: false);
            if (collection is not null)
            {
                silo.Configure(collection);
            }
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private sealed class NoRunningWork : IRunningWork
    {
        public int DevServers => 0;

        public int Generations => 0;
    }

    /// <summary>A real process per project that the grain owns: started when it takes the project, killed when it gives it up.</summary>
    private sealed class ChildProcesses : IProjectWork, IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, Process> _running = new();
        private int _overlaps;

        public ConcurrentDictionary<string, int> Adoptions { get; } = new();

        /// <summary>The last process started for each project.</summary>
        public ConcurrentDictionary<string, Process> Started { get; } = new();

        public ConcurrentBag<string> Stopped { get; } = [];

        public ConcurrentDictionary<string, bool> Busy { get; } = new();

        /// <summary>Times a project was taken while a process of it still ran: two owners at once.</summary>
        public int Overlaps => Volatile.Read(ref _overlaps);

        /// <summary>The tenure of each project's last adoption: cancelling it is what a refused write does.</summary>
        public ConcurrentDictionary<string, CancellationTokenSource> Tenures { get; } = new();

        public Task<CancellationToken> AdoptAsync(string projectId, CancellationToken cancellationToken)
        {
            Adoptions.AddOrUpdate(projectId, 1, (_, count) => count + 1);
            var tenure = new CancellationTokenSource();
            Tenures[projectId] = tenure;
            var process = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
            Started[projectId] = process;
            if (!_running.TryAdd(projectId, process))
            {
                Interlocked.Increment(ref _overlaps);
            }

            return Task.FromResult(tenure.Token);
        }

        public Task<bool> IsBusyAsync(string projectId, CancellationToken cancellationToken) => Task.FromResult(Busy.ContainsKey(projectId));

        public async Task StopAsync(string projectId, string reason, CancellationToken cancellationToken)
        {
            Stopped.Add(projectId);
            if (_running.TryRemove(projectId, out var process))
            {
                process.Kill();
                await process.WaitForExitAsync(cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var tenure in Tenures.Values)
            {
                tenure.Dispose();
            }

            foreach (var process in Started.Values)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    await process.WaitForExitAsync();
                }

                process.Dispose();
            }
        }
    }
}
