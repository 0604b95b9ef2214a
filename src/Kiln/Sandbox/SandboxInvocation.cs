using System.Globalization;

namespace Kiln.Sandbox;

/// <summary>How a command is wrapped on this machine.</summary>
internal enum Isolation
{
    /// <summary>No bubblewrap: a new session (so the group can be killed) and rlimits only.</summary>
    Direct,

    /// <summary>bubblewrap with a user namespace: the command runs as an unprivileged uid with no capabilities.</summary>
    Bubblewrap,

    /// <summary>bubblewrap where user namespaces are unavailable: same mounts, capabilities dropped.</summary>
    BubblewrapWithoutUserNamespace,
}

/// <summary>The helper programs the sandbox is built from, found once on the search path.</summary>
internal sealed record HostTools(string? Bubblewrap, string? Prlimit, string? Setsid, string? Setpriv);

/// <summary>
/// The argv that actually starts a command: bwrap or setsid/setpriv, then prlimit, then the
/// program. Every piece is an argv element; nothing is ever joined into a string for a shell.
/// </summary>
internal static class SandboxInvocation
{
    /// <summary>
    /// The uid and gid inside the user namespace. Not 0, so the command holds no capabilities
    /// there and tools take their ordinary non-root paths (npm changes behaviour as root). It maps
    /// to Kiln's own uid outside, so files it writes in the project belong to Kiln.
    /// </summary>
    public const int SandboxUid = 1000;

    /// <summary>HOME inside bubblewrap: on the private /tmp, so it disappears with the command.</summary>
    public const string SandboxHome = "/tmp/home";

    public static List<string> Bubblewrap(
        ProcessSpec spec, IReadOnlyList<string> writable, IReadOnlyList<string> hidden, bool userNamespace, bool createHome)
    {
        var args = new List<string>();
        if (userNamespace)
        {
            // --disable-userns stops the command from creating nested user namespaces, where it
            // would hold capabilities again and widen the kernel surface it can reach.
            args.AddRange(["--unshare-user", "--disable-userns", "--uid", Invariant(SandboxUid), "--gid", Invariant(SandboxUid)]);
        }

        args.AddRange(
        [
            // As root without a user namespace bwrap would keep every capability, and
            // CAP_SYS_ADMIN can simply remount / read-write; drop them all in both cases.
            "--cap-drop", "ALL",
            // A pid namespace: the command cannot see or signal Kiln or other projects, and when its
            // init dies the kernel kills everything left inside, daemons included.
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts", "--hostname", "kiln-sandbox",
            // The network namespace is deliberately shared: installs need the package registry and
            // dev servers must be reachable on 127.0.0.1 by the preview proxy.
            // Killed when bwrap or Kiln's launching thread dies, so nothing outlives Kiln.
            "--die-with-parent",
            // setsid(): no controlling terminal, so TIOCSTI cannot push keystrokes into Kiln's terminal.
            "--new-session",
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            // A private /tmp hides other projects under the default ProjectsRoot and gives the command scratch space.
            "--tmpfs", "/tmp",
        ]);

        if (createHome)
        {
            args.AddRange(["--dir", SandboxHome]);
        }

        foreach (var path in hidden)
        {
            if (Directory.Exists(path))
            {
                args.AddRange(["--tmpfs", path]);
            }
            else if (File.Exists(path))
            {
                args.AddRange(["--ro-bind", "/dev/null", path]);
            }
        }

        // After the hidden paths, so a writable directory inside one (a project under /home) is still reachable.
        foreach (var directory in writable)
        {
            args.AddRange(["--bind", directory, directory]);
        }

        foreach (var directory in spec.ReadOnlyDirectories)
        {
            if (Directory.Exists(directory))
            {
                args.AddRange(["--ro-bind", directory, directory]);
            }
        }

        args.AddRange(["--chdir", spec.WorkingDirectory, "--"]);
        return args;
    }

    /// <summary>
    /// prlimit sets soft and hard limits before exec, so the command cannot raise them again.
    /// RLIMIT_AS is left alone: V8 reserves far more address space than it uses.
    /// </summary>
    public static List<string> Limits(string prlimit, SandboxOptions options, int? cpuSeconds = null) =>
    [
        prlimit,
        $"--cpu={Invariant(cpuSeconds ?? options.CpuSeconds)}",
        $"--nproc={Invariant(options.MaxProcesses)}",
        $"--fsize={options.MaxFileSizeBytes.ToString(CultureInfo.InvariantCulture)}",
        $"--nofile={Invariant(options.MaxOpenFiles)}",
        // No core files: a crashing node would otherwise drop hundreds of megabytes into the project.
        "--core=0",
        "--",
    ];

    /// <summary>
    /// Without bubblewrap: setsid makes the command a session and group leader, so the whole group
    /// can be killed; setpriv --pdeathsig kills it if Kiln dies. Neither reaches a child that starts
    /// its own session; <see cref="StrayProcesses"/> hunts those down by their environment marker.
    /// </summary>
    public static List<string> Direct(HostTools tools)
    {
        var args = new List<string>();
        if (tools.Setsid is not null)
        {
            args.AddRange([tools.Setsid, "--"]);
        }

        if (tools.Setpriv is not null)
        {
            args.AddRange([tools.Setpriv, "--pdeathsig", "KILL", "--"]);
        }

        return args;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
