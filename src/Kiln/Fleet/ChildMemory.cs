using System.Globalization;

namespace Kiln.Fleet;

/// <summary>
/// The resident memory of every process this one started, directly or not (dev servers, agents' commands, package
/// installs), from /proc: each process's parent and RSS in <c>/proc/[pid]/stat</c>. /proc rather than the sandbox's
/// cgroups because it sees the same children everywhere: with or without cgroup v1, bubblewrap or a container.
/// </summary>
public static class ChildMemory
{
    /// <summary>The bytes resident in <paramref name="rootPid"/>'s descendants (not itself); 0 where there is no /proc.</summary>
    public static long Measure(int rootPid)
    {
        if (!Directory.Exists("/proc"))
        {
            return 0;
        }

        var children = new Dictionary<int, List<(int Pid, long Rss)>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Stat(pid) is not var (parent, rss))
            {
                continue;
            }

            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add((pid, rss));
        }

        long total = 0;
        var pending = new Stack<int>([rootPid]);
        while (pending.TryPop(out var pid))
        {
            foreach (var (child, rss) in children.GetValueOrDefault(pid) ?? [])
            {
                total += rss;
                pending.Push(child);
            }
        }

        return total;
    }

    /// <summary>A process's parent and resident bytes, or null once it is gone.</summary>
    private static (int Parent, long RssBytes)? Stat(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null; // Exited between the listing and the read.
        }

        // "pid (comm) state ppid ... rss ...": comm may hold spaces and parentheses, so fields count from the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 21
               && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent)
               && long.TryParse(fields[21], CultureInfo.InvariantCulture, out var pages)
            ? (parent, pages * Environment.SystemPageSize)
            : null;
    }
}
