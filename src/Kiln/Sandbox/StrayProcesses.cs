using System.Globalization;
using System.Text;

namespace Kiln.Sandbox;

/// <summary>
/// Finds processes of one command that left its process group, by a marker in their environment.
/// Only used without bubblewrap, where a child that calls setsid() escapes the group kill; inside
/// bubblewrap the pid namespace already contains every descendant. A process that clears its own
/// environment before forking still escapes; that is the limit of running without a sandbox.
/// </summary>
internal static class StrayProcesses
{
    public const string MarkerName = "KILN_SANDBOX_RUN";

    private const int MaxRounds = 20;

    /// <summary>Kills every process whose environment holds the marker, repeating while new ones appear (a fork loop).</summary>
    public static int KillMarked(string marker)
    {
        var needle = Encoding.UTF8.GetBytes($"{MarkerName}={marker}\0");
        var killed = 0;
        for (var round = 0; round < MaxRounds; round++)
        {
            var found = 0;
            foreach (var pid in MarkedProcesses(needle))
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

    private static IEnumerable<int> MarkedProcesses(byte[] needle)
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

            if (environment.AsSpan().IndexOf(needle) >= 0)
            {
                yield return pid;
            }
        }
    }
}
