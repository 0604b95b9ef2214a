namespace Kiln.Sandbox;

/// <summary>How commands are isolated on this machine, found once at start by actually running bubblewrap.</summary>
/// <param name="Mode">The configured mode.</param>
/// <param name="Isolated">Commands run inside bubblewrap.</param>
/// <param name="BubblewrapPath">The bwrap executable, when found.</param>
/// <param name="UserNamespace">bwrap runs commands as an unprivileged user in a user namespace (otherwise it only drops capabilities).</param>
/// <param name="NetworkIsolated">Commands run in a network namespace of their own, reaching only what Kiln bridges in (<see cref="SandboxNetwork"/>).</param>
/// <param name="PrlimitPath">The prlimit executable that applies rlimits, when found.</param>
/// <param name="ControlGroups">Each command runs in cgroups of its own that cap its processes, memory and CPU (<see cref="SandboxOptions.MaxProcesses"/>, <see cref="SandboxOptions.MaxMemoryBytes"/>, <see cref="SandboxOptions.CpuCores"/>).</param>
/// <param name="Description">A sentence for the log and for operators.</param>
public sealed record SandboxStatus(
    SandboxMode Mode,
    bool Isolated,
    string? BubblewrapPath,
    bool UserNamespace,
    bool NetworkIsolated,
    string? PrlimitPath,
    bool ControlGroups,
    string Description);
