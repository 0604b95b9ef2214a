namespace Kiln.Sandbox;

/// <summary>
/// What to run and where. <paramref name="WritableDirectories"/> are the only host directories a
/// sandboxed command can change (the project directory, plus <see cref="SandboxOptions.ExtraWritableDirectories"/>,
/// which the runner adds); the working directory must be inside one of them.
/// </summary>
public sealed record ProcessSpec(IReadOnlyList<string> Argv, string WorkingDirectory, IReadOnlyList<string> WritableDirectories)
{
    /// <summary>Wall-clock limit; <see cref="SandboxOptions.DefaultTimeoutSeconds"/> for a command when null, none for a started process.
    /// Never more than <see cref="SandboxOptions.MaxTimeoutSeconds"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Variables added to the minimal environment; names that look like secrets are refused.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The project's own variables and secrets, which its owner set for its processes: secret-looking names are theirs
    /// to use, but <see cref="ChildEnvironment.ReservedReason"/> names are refused, and <see cref="Environment"/> wins.
    /// </summary>
    public IReadOnlyDictionary<string, string> ProjectVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Where the process is recorded while it runs (<see cref="PidFiles"/>): the project's pid directory, so that the
    /// project's next owner on this host can kill what this Kiln left running. Null for a process of no project.
    /// </summary>
    public string? PidDirectory { get; init; }

    /// <summary>Text written to standard input before it is closed; when null, standard input is closed at once.</summary>
    public string? StandardInput { get; init; }

    /// <summary>
    /// Directories inside the writable ones that stay read-only, such as the project's .git, which
    /// Kiln owns; missing ones are skipped. Only enforced under bubblewrap.
    /// </summary>
    public IReadOnlyList<string> ReadOnlyDirectories { get; init; } = [];

    /// <summary>
    /// Host directories outside the writable ones that the command may read at their own paths, such as Kiln's Vite
    /// config for a dev server: bound read-only under bubblewrap (which otherwise shows none of the host), there as
    /// they are without it. Missing ones are skipped.
    /// </summary>
    public IReadOnlyList<string> VisibleDirectories { get; init; } = [];

    /// <summary>
    /// RLIMIT_CPU of this process tree's processes, for a long-lived process such as a dev server that would
    /// otherwise be killed after <see cref="SandboxOptions.CpuSeconds"/> of honest work; null for the sandbox's default.
    /// </summary>
    public int? CpuSeconds { get; init; }

    /// <summary>
    /// A port the process listens on at 127.0.0.1 that Kiln must reach (a dev server's). In a network namespace of its
    /// own it is reached through a Unix socket, <see cref="SandboxedProcess.ExposedSocket"/>; without one, it is the
    /// host's port.
    /// </summary>
    public int? ExposedPort { get; init; }

    /// <summary>
    /// What the project may hold on disk while the process runs; past it, the whole tree is stopped
    /// (<see cref="ProcessResult.QuotaExceeded"/>). RLIMIT_FSIZE is lowered to its bytes when that is smaller. Null: no watch.
    /// </summary>
    public DiskQuota? DiskQuota { get; init; }

    /// <summary>What the process may reach through Kiln's egress proxy (a package install); null, as for every other command, for nothing.</summary>
    public EgressGrant? Egress { get; init; }
}
