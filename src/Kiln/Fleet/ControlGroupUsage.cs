using System.Globalization;

namespace Kiln.Fleet;

/// <summary>
/// The CPU and memory of the cgroup this process runs in: in a container the container's, under systemd the service's,
/// children included. Orleans' own figures are the host's, which in a container say nothing of the container's limits.
/// Read from cgroup v2 (<c>memory.current</c>, <c>cpu.stat</c>) or v1 (<c>memory.usage_in_bytes</c>,
/// <c>cpuacct.usage</c>); null where neither can be read. CPU is the share of the cores .NET sees (which honours the
/// cgroup's CPU quota) used since the previous sample.
/// </summary>
public sealed class ControlGroupUsage(TimeProvider time)
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// True in a container (Docker's, Podman's, a Kubernetes pod's), where the cgroup is the container and its figures
    /// are the ones that matter; elsewhere a shell's cgroup may hold anything, so the fleet keeps Orleans' figures.
    /// </summary>
    public static bool InContainer { get; } =
        File.Exists("/.dockerenv") || File.Exists("/run/.containerenv")
        || Environment.GetEnvironmentVariable("container") is { Length: > 0 }
        || Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 };

    private readonly Lock _gate = new();
    private readonly Paths? _paths = Find();
    private (long At, TimeSpan Used)? _previous;
    private float? _cpuPercent;

    public (float? CpuPercent, long? MemoryBytes) Sample()
    {
        if (_paths is not { } paths)
        {
            return (null, null);
        }

        var memory = ReadLong(paths.Memory);
        if (paths.CpuUsage() is not { } used)
        {
            return (null, memory);
        }

        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_previous is { } previous && time.GetElapsedTime(previous.At, now) is var elapsed && elapsed >= MinimumInterval)
            {
                _cpuPercent = (float)Math.Clamp((used - previous.Used) / elapsed / Environment.ProcessorCount * 100, 0, 100);
                _previous = (now, used);
            }
            else
            {
                _previous ??= (now, used);
            }

            return (_cpuPercent, memory);
        }
    }

    private sealed record Paths(string Memory, Func<TimeSpan?> CpuUsage);

    private static Paths? Find()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/cgroup");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var groups = lines.Select(line => line.Split(':', 3)).Where(parts => parts.Length == 3).ToList();
        string? Group(string controller) => groups.FirstOrDefault(parts => parts[1].Split(',').Contains(controller))?[2];

        if (Group("memory") is { } memoryGroup)
        {
            // v1. A container's own mount shows its group as the root; a host's shows the whole tree.
            var memory = Existing($"/sys/fs/cgroup/memory{memoryGroup}/memory.usage_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes");
            var cpu = Group("cpuacct") is { } cpuGroup
                ? Existing($"/sys/fs/cgroup/cpuacct{cpuGroup}/cpuacct.usage", "/sys/fs/cgroup/cpuacct/cpuacct.usage",
                    $"/sys/fs/cgroup/cpu,cpuacct{cpuGroup}/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage")
                : null;
            return memory is null ? null : new Paths(memory, () => cpu is not null && ReadLong(cpu) is { } ns ? TimeSpan.FromTicks(ns / 100) : null);
        }

        if (groups.FirstOrDefault(parts => parts[0] == "0" && parts[1].Length == 0)?[2] is { } unified)
        {
            var directory = Path.Join("/sys/fs/cgroup", unified);
            var memory = Existing(Path.Join(directory, "memory.current"), "/sys/fs/cgroup/memory.current");
            var stat = Existing(Path.Join(directory, "cpu.stat"), "/sys/fs/cgroup/cpu.stat");
            return memory is null ? null : new Paths(memory, () => stat is not null && UsageMicroseconds(stat) is { } us ? TimeSpan.FromMicroseconds(us) : null);
        }

        return null;
    }

    private static string? Existing(params string[] paths) => paths.FirstOrDefault(File.Exists);

    private static long? ReadLong(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary><c>usage_usec N</c> in a v2 <c>cpu.stat</c>.</summary>
    private static long? UsageMicroseconds(string path)
    {
        try
        {
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("usage_usec ", StringComparison.Ordinal));
            return line is not null && long.TryParse(line["usage_usec ".Length..], CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
