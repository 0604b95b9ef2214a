using System.Globalization;
using System.Text;

namespace Kiln.Sandbox;

/// <summary>
/// Finds processes of one command that left its process group, by a marker in their environment.
/// Used without bubblewrap, where a child that calls setsid() escapes the group kill (inside
/// bubblewrap the pid namespace already contains every descendant), and for an agent's CLI, which is
/// started without a parent-death signal (<see cref="SandboxInvocation.AgentCli"/>). A process that
/// clears its own environment before forking still escapes; that is the limit of running without a sandbox.
/// </summary>
/// <remarks>
/// A marker starts with the Kiln that made it: its pid and the kernel's start time of that pid, which no
/// later process shares. So when a Kiln is killed outright (SIGKILL, the OOM killer), the next one to start
/// on this machine can tell its commands' orphans (the parent-death signal reaches only each command's first
/// process) from the commands of another Kiln that is still running, and kill them.
/// </remarks>
internal static class StrayProcesses
{
    public const string MarkerName = "KILN_SANDBOX_RUN";

    private const int MaxRounds = 20;

    private static readonly byte[] MarkerPrefix = Encoding.UTF8.GetBytes(MarkerName + "=");

    /// <summary>This Kiln, as its markers name it.</summary>
    internal static readonly string Owner = OwnerOf(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    /// <summary>A marker for one command: this Kiln, then a part of its own.</summary>
    public static string NewMarker() => $"{Owner}.{Guid.NewGuid():N}";

    /// <summary>Kills every process whose environment holds the marker, repeating while new ones appear (a fork loop).</summary>
    public static int KillMarked(string marker)
    {
        var needle = Encoding.UTF8.GetBytes($"{MarkerName}={marker}\0");
        return KillWhile(environment => environment.AsSpan().IndexOf(needle) >= 0);
    }

    /// <summary>Kills every process marked by a Kiln that is no longer running: what a killed Kiln's commands left behind.</summary>
    public static int KillOrphans() => KillWhile(environment => MarkerOf(environment) is { } marker && IsOrphaned(marker));

    private static int KillWhile(Func<byte[], bool> marked)
    {
        var killed = 0;
        for (var round = 0; round < MaxRounds; round++)
        {
            var found = 0;
            foreach (var pid in Processes(marked))
            {
                found++;
                if (NativeMethods.KillProcess(pid))
                {
                    killed++;
                }
            }

            if (found == 0)
            {
                break;
            }
        }

        return killed;
    }

    /// <summary>True when the Kiln a marker names ("pid.start.unique") is not running: its pid is gone or now another process's.</summary>
    private static bool IsOrphaned(string marker)
    {
        var parts = marker.Split('.');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false; // Not a marker this Kiln knows how to read; leave it alone.
        }

        var owner = $"{parts[0]}.{parts[1]}";
        return owner != Owner && OwnerOf(pid) != owner;
    }

    private static string? OwnerOf(int pid) =>
        ProcFs.StartTime(pid) is { } start ? string.Create(CultureInfo.InvariantCulture, $"{pid}.{start}") : null;

    private static string? MarkerOf(byte[] environment)
    {
        var span = environment.AsSpan();
        var at = span.IndexOf(MarkerPrefix);
        // Only at the start of an entry: the prefix may also sit inside another variable's value.
        while (at > 0 && span[at - 1] != 0)
        {
            var next = span[(at + 1)..].IndexOf(MarkerPrefix);
            at = next < 0 ? -1 : at + 1 + next;
        }

        if (at < 0)
        {
            return null;
        }

        var value = span[(at + MarkerPrefix.Length)..];
        var end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }

    private static IEnumerable<int> Processes(Func<byte[], bool> marked)
    {
        var self = Environment.ProcessId;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            byte[] environment;
            try
            {
                environment = File.ReadAllBytes(Path.Join(directory, "environ"));
            }
            catch (IOException)
            {
                // Gone already, or a kernel thread.
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process: not one Kiln started.
                continue;
            }

            if (marked(environment))
            {
                yield return pid;
            }
        }
    }
}
