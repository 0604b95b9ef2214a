using Kiln.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Sandbox;

/// <summary>Builds the real sandbox pieces the way <c>AddSandbox</c> does, with options a test can change.</summary>
internal static class Sandboxes
{
    public static SandboxedProcessRunner Runner(
        SandboxMode mode = SandboxMode.Bwrap, Action<SandboxOptions>? configure = null, TimeProvider? timeProvider = null) =>
        new(Options.Create(Configure(mode, configure)), NullLogger<SandboxedProcessRunner>.Instance, timeProvider ?? TimeProvider.System);

    public static CommandPolicy Policy(Action<SandboxOptions>? configure = null) => CommandPolicyTests.Policy(configure);

    public static ProcessSpec Spec(AppWorkspace workspace, params string[] argv) =>
        new(argv, workspace.App, [workspace.App]) { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>A unique argument that is also a valid duration for sleep (about 30 s), to find the processes of one test.</summary>
    public static string SleepToken() =>
        "30.00" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Host pids of live processes (other than bwrap itself) whose command line contains <paramref name="token"/>.</summary>
    public static List<int> ProcessesWith(string token)
    {
        var pids = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Join(directory, "cmdline")).Replace('\0', ' ');
                // bwrap and its namespace init carry the whole command line too; count the command's own processes.
                var name = File.ReadAllText(Path.Join(directory, "comm")).Trim();
                if (commandLine.Contains(token, StringComparison.Ordinal) && name != "bwrap" && IsAlive(pid))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return pids;
    }

    /// <summary>True while the pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static SandboxOptions Configure(SandboxMode mode, Action<SandboxOptions>? configure)
    {
        var options = new SandboxOptions { Mode = mode };
        configure?.Invoke(options);
        return options;
    }
}
