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
/// <remarks><paramref name="Node"/> runs the network bridge (<see cref="SandboxNetwork"/>).</remarks>
internal sealed record HostTools(string? Bubblewrap, string? Prlimit, string? Setsid, string? Setpriv, string? Node);

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

    /// <param name="spec">The command.</param>
    /// <param name="writable">Host directories it may write.</param>
    /// <param name="view">The system directories it sees read-only, and the paths masked in them.</param>
    /// <param name="userNamespace">Run as <see cref="SandboxUid"/> in a user namespace.</param>
    /// <param name="createHome">Make <see cref="SandboxHome"/> (the caller did not name a HOME of its own).</param>
    /// <param name="isolateNetwork">Give it a network namespace of its own (<see cref="SandboxNetwork"/>).</param>
    /// <param name="network">Its bridge directory and script to bind in, when it crosses its namespace.</param>
    /// <param name="bridgeScript">The bridge script's host path, bound in read-only with <paramref name="network"/>.</param>
    public static List<string> Bubblewrap(
        ProcessSpec spec, IReadOnlyList<string> writable, FilesystemView view, bool userNamespace, bool createHome,
        bool isolateNetwork, ProcessNetwork? network, string? bridgeScript)
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
            // Killed when bwrap or Kiln's launching thread dies, so nothing outlives Kiln.
            "--die-with-parent",
            // setsid(): no controlling terminal, so TIOCSTI cannot push keystrokes into Kiln's terminal.
            "--new-session",
        ]);

        // The root is an empty tmpfs: only what is bound here exists (FilesystemView), not Kiln's folders, the projects
        // root, home directories or anything else of the host.
        args.AddRange(view.SystemArguments());
        args.AddRange(
        [
            "--dev", "/dev",
            "--proc", "/proc",
            // A private /tmp hides other projects under the default ProjectsRoot and gives the command scratch space.
            "--tmpfs", "/tmp",
        ]);

        if (createHome)
        {
            args.AddRange(["--dir", SandboxHome]);
        }

        if (isolateNetwork)
        {
            // Its own network namespace, with only its own loopback up: no route to Kiln, other projects, services
            // on this machine or the internet. What must cross goes through the bridge directory (SandboxNetwork).
            args.Add("--unshare-net");
        }

        if (network is not null && bridgeScript is not null)
        {
            // On the private /tmp, after it is mounted; the sockets in it are the command's only ways in or out.
            args.AddRange(["--bind", network.HostDirectory, SandboxNetwork.BridgeDirectory, "--ro-bind", bridgeScript, SandboxNetwork.BridgeScript]);
        }

        foreach (var path in view.Hidden.Where(path => view.Shows(path, writable)))
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

        // After the hidden paths, so a writable directory inside one (a project under Kiln's content root) is still reachable.
        foreach (var directory in writable)
        {
            args.AddRange(["--bind", directory, directory]);
        }

        foreach (var directory in spec.ReadOnlyDirectories.Concat(spec.VisibleDirectories))
        {
            if (Directory.Exists(directory))
            {
                args.AddRange(["--ro-bind", directory, directory]);
            }
        }

        // Last, once every mount point has been made on it: the root tmpfs itself takes no new files.
        args.AddRange(["--remount-ro", "/", "--chdir", spec.WorkingDirectory, "--"]);
        return args;
    }

    /// <summary>
    /// The bwrap arguments, ending with <c>--</c>, that run an agent's CLI (Claude Code): the system read-only with
    /// <see cref="FilesystemView.Hidden"/> masked, the CLI's install read-only, <paramref name="home"/> (its HOME, config
    /// and sessions) writable, an empty <paramref name="workingDirectory"/>, a private /tmp, its own pid, IPC and UTS
    /// namespaces. Kiln's install, content root and configuration, the projects root and other projects, kiln.db, the
    /// data-protection keys and the user's ~/.claude are not in it. The CLI has no tools of its own (Kiln serves its
    /// tools in-process over the control protocol), so it needs none of the project's files: they reach the model only
    /// through Kiln's tools. The working directory keeps its host path, which keys the CLI's sessions, so a follow-up
    /// resumes the same session whether or not the sandbox ran before.
    /// </summary>
    /// <remarks>
    /// The network is shared with Kiln, unlike a command's: the CLI must reach the model endpoint, which may be a loopback
    /// address (a local gateway, the tests' scripted server) that no network namespace could reach, and it holds nothing
    /// the model could use to reach anything else (no shell, no fetch tool). No --die-with-parent: the CLI is started from
    /// whichever thread-pool thread the client runs on, and PR_SET_PDEATHSIG fires when that thread ends, which would kill
    /// the CLI mid-session; the client kills bwrap's tree when the session ends, the CLI exits when Kiln's end of its stdin
    /// closes, and <see cref="StrayProcesses"/> reaps it by its marker after a Kiln killed outright.
    /// </remarks>
    public static List<string> AgentCli(
        FilesystemView view, bool userNamespace, string home, string workingDirectory, IReadOnlyList<string> installDirectories)
    {
        var args = new List<string>();
        if (userNamespace)
        {
            args.AddRange(["--unshare-user", "--disable-userns", "--uid", Invariant(SandboxUid), "--gid", Invariant(SandboxUid)]);
        }

        args.AddRange(["--cap-drop", "ALL", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "kiln-agent", "--new-session"]);
        args.AddRange(view.SystemArguments());
        args.AddRange(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]);

        IReadOnlyList<string> own = [home, .. installDirectories];
        foreach (var path in view.Hidden.Where(path => view.Shows(path, own)))
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

        foreach (var directory in installDirectories)
        {
            args.AddRange(["--ro-bind", directory, directory]);
        }

        // A resolv.conf that links out of /etc (systemd-resolved's stub under /run): the model endpoint's name must resolve.
        if (new FileInfo("/etc/resolv.conf").ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } resolver &&
            !view.Shows(resolver.FullName, own))
        {
            args.AddRange(["--ro-bind", resolver.FullName, resolver.FullName]);
        }

        args.AddRange(["--bind", home, home, "--dir", workingDirectory, "--remount-ro", "/", "--chdir", workingDirectory, "--"]);
        return args;
    }

    /// <summary>
    /// prlimit sets soft and hard limits before exec, so the command cannot raise them again.
    /// RLIMIT_AS is left alone: V8 and Go reserve far more address space than they use; RLIMIT_DATA counts only the
    /// private writable memory a process maps, which is what a runaway allocation grows. RLIMIT_FSIZE is the kernel's
    /// own limit on one file, so it is lowered to a smaller disk quota (<paramref name="quotaBytes"/>): one huge file
    /// is refused by the kernel at once, before the quota's watch would see it.
    /// </summary>
    public static List<string> Limits(string prlimit, SandboxOptions options, int? cpuSeconds = null, long? quotaBytes = null) =>
    [
        prlimit,
        $"--cpu={Invariant(cpuSeconds ?? options.CpuSeconds)}",
        $"--nproc={Invariant(options.MaxProcesses)}",
        $"--data={options.MaxMemoryBytes.ToString(CultureInfo.InvariantCulture)}",
        $"--fsize={Math.Min(options.MaxFileSizeBytes, quotaBytes ?? long.MaxValue).ToString(CultureInfo.InvariantCulture)}",
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
