using System.Globalization;

namespace Kiln.Testing;

/// <summary>
/// Several Kiln processes sharing one Redis store (a key prefix of their own), each with its own projects root (or,
/// when asked, all sharing one), with a real nginx in front of them configured from <c>deploy/nginx/kiln.conf</c>: a
/// fleet as README's "Running a fleet" sets one up.
/// </summary>
public sealed class KilnFleet : IAsyncDisposable
{
    private KilnFleet(IReadOnlyList<KilnProcess> instances, NginxServer nginx, string projectsRoot, string keyPrefix)
    {
        Instances = instances;
        Nginx = nginx;
        ProjectsRoot = projectsRoot;
        KeyPrefix = keyPrefix;
    }

    public IReadOnlyList<KilnProcess> Instances { get; }

    public NginxServer Nginx { get; }

    /// <summary>The directory of the instances' projects roots (<see cref="ProjectsRootOf"/>), or the one they share.</summary>
    public string ProjectsRoot { get; }

    /// <summary>Where instance <paramref name="index"/> keeps its projects, when each has its own disk.</summary>
    public static string ProjectsRootOf(string root, int index) => Path.Combine(root, $"instance-{index}");

    /// <summary>The project's directory on the first disk that has one (the shared root, or an instance's own).</summary>
    public string ProjectDirectoryOf(string projectId) =>
        new[] { ProjectsRoot }.Concat(Instances.Select((_, index) => ProjectsRootOf(ProjectsRoot, index)))
            .Select(root => Path.Combine(root, projectId))
            .FirstOrDefault(Directory.Exists)
        ?? throw new InvalidOperationException($"No disk of the fleet has project {projectId}.");

    /// <summary>Where the instances (one machine) record the processes they run for each project.</summary>
    public string PidFilesRoot => PidFilesRootOf(ProjectsRoot);

    private static string PidFilesRootOf(string root) => Path.Combine(root, ".pids");

    /// <summary>The Redis key prefix of this fleet's store and cluster.</summary>
    public string KeyPrefix { get; }

    /// <param name="kilnAssembly">Kiln.dll.</param>
    /// <param name="count">How many instances.</param>
    /// <param name="redisConfiguration">The Redis server every instance uses.</param>
    /// <param name="settings">More configuration for every instance.</param>
    /// <param name="sharedDisk">Every instance on one projects root, as a fleet on a shared volume; by default each has its own.</param>
    /// <param name="instanceSettings">More configuration for instance i only (e.g. a draining one), over <paramref name="settings"/>.</param>
    /// <param name="cancellationToken">Gives up starting.</param>
    public static async Task<KilnFleet> StartAsync(
        string kilnAssembly, int count, string redisConfiguration, IReadOnlyDictionary<string, string>? settings = null, bool sharedDisk = false,
        Func<int, IReadOnlyDictionary<string, string>>? instanceSettings = null, CancellationToken cancellationToken = default)
    {
        var root = Directory.CreateTempSubdirectory("kiln-fleet-").FullName;
        var prefix = RedisServer.NewPrefix();
        // Reserved before the instances start: they put nginx's address in their preview URLs.
        var nginxPort = NginxServer.FreePort();
        var all = new Dictionary<string, string>
        {
            ["Kiln:Store"] = "redis",
            ["Kiln:Redis:Configuration"] = redisConfiguration,
            ["Kiln:Redis:KeyPrefix"] = prefix,
            ["Kiln:Preview:Domain"] = string.Create(CultureInfo.InvariantCulture, $"localhost:{nginxPort}"),
            ["Kiln:Preview:Scheme"] = "http",
            ["Logging:Console:FormatterName"] = "simple",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        // Each instance's silo gets a port of its own, reserved here as nginx's is.
        var starting = Enumerable.Range(0, count)
            .Select(index => KilnProcess.StartAsync(
                kilnAssembly,
                new Dictionary<string, string>(all)
                {
                    ["Kiln:Fleet:SiloPort"] = NginxServer.FreePort().ToString(CultureInfo.InvariantCulture),
                    ["Kiln:ProjectsRoot"] = sharedDisk ? root : ProjectsRootOf(root, index),
                    // One machine: its Kilns share where they record their processes, whatever their disks.
                    ["Kiln:PidFilesRoot"] = PidFilesRootOf(root),
                }
                    .Concat(instanceSettings?.Invoke(index) ?? new Dictionary<string, string>())
                    .GroupBy(setting => setting.Key).ToDictionary(group => group.Key, group => group.Last().Value),
                cancellationToken))
            .ToList();
        try
        {
            var instances = await Task.WhenAll(starting);
            var nginx = await NginxServer.StartAsync(nginxPort, instances.Select(i => i.BaseAddress), cancellationToken);
            return new KilnFleet(instances, nginx, root, prefix);
        }
        catch
        {
            foreach (var start in starting.Where(s => s.IsCompletedSuccessfully))
            {
                await (await start).DisposeAsync();
            }

            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>What each instance and nginx said lately, for a failing test's message.</summary>
    public string Output => string.Join("\n\n", Instances.Select((instance, i) => $"--- instance {i} ({instance.BaseAddress}):\n{instance.Output}"))
                            + $"\n\n--- nginx:\n{Nginx.Output}";

    public async ValueTask DisposeAsync()
    {
        await Nginx.DisposeAsync();
        foreach (var instance in Instances)
        {
            await instance.DisposeAsync();
        }

        try
        {
            Directory.Delete(ProjectsRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
