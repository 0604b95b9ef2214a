namespace Kiln.Sandbox;

/// <summary>
/// How to start an agent's CLI: <see cref="Launcher"/> with <see cref="LauncherArguments"/> (bwrap and its mounts, ending
/// with <c>--</c>), then <see cref="Program"/> and the CLI's own arguments, with <see cref="Environment"/> added to its
/// environment. Without bubblewrap <see cref="Launcher"/> is null and the CLI starts directly.
/// </summary>
/// <param name="Launcher">bwrap, or null to start the CLI directly.</param>
/// <param name="LauncherArguments">bwrap's arguments (<see cref="SandboxInvocation.AgentCli"/>).</param>
/// <param name="Program">The CLI's path as the launcher starts it.</param>
/// <param name="Environment">Variables the CLI's environment must hold: the marker that finds it again (<see cref="StrayProcesses"/>).</param>
/// <param name="Marker">This launch's marker.</param>
/// <param name="PidDirectory">The project's pid directory the CLI is recorded in while it runs (<see cref="PidFiles"/>), if any.</param>
public sealed record AgentCliLaunch(
    string? Launcher,
    IReadOnlyList<string> LauncherArguments,
    string Program,
    IReadOnlyDictionary<string, string> Environment,
    string Marker,
    string? PidDirectory = null)
{
    /// <summary>Kills whatever of this CLI is still running once its session is over: anything that left its process tree.</summary>
    public int KillLeftovers()
    {
        var killed = StrayProcesses.KillMarked(Marker);
        if (PidDirectory is not null)
        {
            PidFiles.ForgetMarked(PidDirectory, Marker);
        }

        return killed;
    }
}
