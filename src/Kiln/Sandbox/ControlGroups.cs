using System.Globalization;

namespace Kiln.Sandbox;

/// <summary>
/// The cgroup v1 hierarchies (pids, memory, cpu) that this host lets Kiln write below its own groups: each command gets
/// a group of its own there, with its process count, memory and CPU time capped for the whole tree at once.
/// </summary>
/// <remarks>
/// A command joins its group at birth, never after: Kiln's launcher thread moves itself into the group, forks, and
/// moves back (cgroup v1 places threads one by one), so no process of the command ever runs outside it. cgroup v2
/// places whole processes only, so the same needs clone3(CLONE_INTO_CGROUP), which .NET's Process cannot do; on a
/// cgroup v2 host the rlimits (<see cref="SandboxInvocation.Limits"/>) are what is left.
/// </remarks>
internal sealed class ControlGroups
{
    private const string Prefix = "kiln-sandbox-";
    private static long _next;

    private readonly IReadOnlyList<Hierarchy> _hierarchies;

    private ControlGroups(IReadOnlyList<Hierarchy> hierarchies) => _hierarchies = hierarchies;

    /// <summary>The groups Kiln can make here, or null with the reason it cannot.</summary>
    public static (ControlGroups? Groups, string? Unavailable) Find()
    {
        var own = Memberships();
        var hierarchies = new List<Hierarchy>();
        foreach (var controller in new[] { "pids", "memory", "cpu" })
        {
            if (MountOf(controller) is not var (mountPoint, mountRoot) || !own.TryGetValue(controller, out var group))
            {
                return (null, $"no cgroup v1 '{controller}' hierarchy is mounted (a cgroup v2 host: see the README)");
            }

            var relative = Path.GetRelativePath(mountRoot, group);
            var directory = Path.GetFullPath(Path.Join(mountPoint, relative == "." ? "" : relative));
            try
            {
                // Writable by Kiln: make and remove a group, so a read-only mount or a foreign owner shows at start.
                var probe = Directory.CreateDirectory(Path.Join(directory, $"{Prefix}probe-{Environment.ProcessId}"));
                probe.Delete();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return (null, $"Kiln cannot make groups in {directory} ({exception.Message})");
            }

            RemoveLeftovers(directory);
            hierarchies.Add(new Hierarchy(controller, directory));
        }

        return (new ControlGroups(hierarchies), null);
    }

    /// <summary>Makes a command's group with its limits; the caller disposes it once the command's tree is gone.</summary>
    public ControlGroup Create(SandboxOptions options)
    {
        var name = Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" +
                   Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var created = new List<(string Directory, string Home)>();
        try
        {
            foreach (var hierarchy in _hierarchies)
            {
                var directory = Directory.CreateDirectory(Path.Join(hierarchy.Directory, name)).FullName;
                created.Add((directory, hierarchy.Directory));
                switch (hierarchy.Controller)
                {
                    case "pids":
                        Write(directory, "pids.max", options.MaxProcesses);
                        break;
                    case "memory":
                        Write(directory, "memory.limit_in_bytes", options.MaxMemoryBytes);
                        break;
                    case "cpu":
                        const int period = 100_000;
                        Write(directory, "cpu.cfs_period_us", period);
                        Write(directory, "cpu.cfs_quota_us", (long)Math.Round(options.CpuCores * period));
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            foreach (var (directory, _) in created)
            {
                Directory.Delete(directory);
            }

            throw;
        }

        return new ControlGroup(created);
    }

    private static void Write(string directory, string file, long value) =>
        File.WriteAllText(Path.Join(directory, file), value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Groups of a Kiln that was killed: their commands died with it (pid namespace, parent-death signal).</summary>
    private static void RemoveLeftovers(string directory)
    {
        foreach (var leftover in Directory.EnumerateDirectories(directory, Prefix + "*"))
        {
            // "kiln-sandbox-{pid}-{n}": only a Kiln that is gone leaves groups to remove; a live one's may be in use.
            var owner = Path.GetFileName(leftover)[Prefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, CultureInfo.InvariantCulture, out var pid) || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            try
            {
                Directory.Delete(leftover);
            }
            catch (IOException)
            {
                // Still in use: another Kiln on this host, whose group this is.
            }
        }
    }

    /// <summary>Kiln's own group in each v1 hierarchy, from /proc/self/cgroup ("4:memory:/path").</summary>
    private static Dictionary<string, string> Memberships()
    {
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3)
            {
                foreach (var controller in parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    groups[controller] = parts[2];
                }
            }
        }

        return groups;
    }

    /// <summary>Where the v1 hierarchy of <paramref name="controller"/> is mounted, and which of its groups the mount shows as its root.</summary>
    private static (string MountPoint, string Root)? MountOf(string controller)
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "id parent major:minor root mount-point options [optional...] - type source super-options"
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var fields = line[..separator].Split(' ');
            var tail = line[(separator + 3)..].Split(' ');
            if (fields.Length >= 5 && tail.Length >= 3 && tail[0] == "cgroup" && tail[2].Split(',').Contains(controller))
            {
                return (fields[4], fields[3]);
            }
        }

        return null;
    }

    private sealed record Hierarchy(string Controller, string Directory);
}

/// <summary>One command's groups, one per hierarchy.</summary>
internal sealed class ControlGroup(IReadOnlyList<(string Directory, string Home)> groups)
{
    private static readonly TimeSpan RemoveLimit = TimeSpan.FromSeconds(5);

    /// <summary>Moves the calling thread into the groups, so what it forks starts inside them.</summary>
    public void Enter(int threadId)
    {
        foreach (var (directory, _) in groups)
        {
            File.WriteAllText(Path.Join(directory, "tasks"), threadId.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Moves the calling thread back to Kiln's own groups.</summary>
    public void Leave(int threadId)
    {
        foreach (var (_, home) in groups)
        {
            File.WriteAllText(Path.Join(home, "tasks"), threadId.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>True once a fork in the command failed because the process limit was reached: a fork bomb, or a command that needs a higher limit.</summary>
    public bool ProcessLimitReached
    {
        get
        {
            var events = groups.Select(g => Path.Join(g.Directory, "pids.events")).FirstOrDefault(File.Exists);
            try
            {
                // "max N": how many forks the limit refused.
                return events is not null && File.ReadLines(events)
                    .Any(line => line.StartsWith("max ", StringComparison.Ordinal) && line[4..].Trim() != "0");
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>Removes the groups; call once the command's processes are gone.</summary>
    public async Task RemoveAsync()
    {
        foreach (var (directory, _) in groups)
        {
            // The kernel lets a group go once its last process is reaped, which lags the namespace's end by moments.
            var started = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    Directory.Delete(directory);
                    break;
                }
                catch (IOException) when (started.Elapsed < RemoveLimit)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System);
                }
                catch (IOException)
                {
                    // Left behind; the next Kiln removes it at start.
                    break;
                }
            }
        }
    }
}
