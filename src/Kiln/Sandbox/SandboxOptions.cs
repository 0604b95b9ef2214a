using System.ComponentModel.DataAnnotations;

namespace Kiln.Sandbox;

/// <summary>How commands are isolated. Configured as <c>bwrap</c>, <c>none</c> or <c>required</c>.</summary>
public enum SandboxMode
{
    /// <summary>Use bubblewrap when it works on this machine; otherwise run with rlimits only and warn.</summary>
    Bwrap,

    /// <summary>Never use bubblewrap (development only); a warning is logged at start.</summary>
    None,

    /// <summary>Refuse to run any command unless bubblewrap works.</summary>
    Required,
}

/// <summary>Settings of the sandbox, bound from <c>Kiln:Sandbox</c>.</summary>
public sealed class SandboxOptions : IValidatableObject
{
    public const string Section = "Kiln:Sandbox";

    public SandboxMode Mode { get; set; } = SandboxMode.Bwrap;

    /// <summary>Wall-clock limit of a command that does not ask for its own.</summary>
    [Range(1, 86_400)]
    public int DefaultTimeoutSeconds { get; set; } = 120;

    /// <summary>No command may ask for more wall-clock time than this.</summary>
    [Range(1, 86_400)]
    public int MaxTimeoutSeconds { get; set; } = 900;

    /// <summary>RLIMIT_CPU of every process of a command.</summary>
    [Range(1, 86_400)]
    public int CpuSeconds { get; set; } = 600;

    /// <summary>
    /// Processes (threads included) a command may run at once: its cgroup's pids.max where Kiln can make cgroups (a
    /// command that reaches it is stopped), and RLIMIT_NPROC. The kernel counts RLIMIT_NPROC per user within the
    /// command's user namespace, so it counts the command's own processes, but it does not apply when Kiln runs as
    /// root; there only the cgroup stops a fork bomb (see the remarks on SandboxedProcessRunner).
    /// </summary>
    [Range(16, 4_194_304)]
    public int MaxProcesses { get; set; } = 512;

    /// <summary>
    /// Memory of a command: its cgroup's memory limit for the whole tree where Kiln can make cgroups, and RLIMIT_DATA
    /// of each process everywhere (the address space a process reserves without using is not counted).
    /// </summary>
    [Range(64L << 20, 1L << 42)]
    public long MaxMemoryBytes { get; set; } = 4L << 30;

    /// <summary>CPU cores a command's tree may use at once, where Kiln can make cgroups (its cgroup's CFS quota).</summary>
    [Range(0.1, 1024)]
    public double CpuCores { get; set; } = 1;

    /// <summary>RLIMIT_FSIZE: the largest file a command may write.</summary>
    [Range(1L << 20, 1L << 40)]
    public long MaxFileSizeBytes { get; set; } = 256L << 20;

    /// <summary>RLIMIT_NOFILE.</summary>
    [Range(64, 1_048_576)]
    public int MaxOpenFiles { get; set; } = 4096;

    /// <summary>Output kept per command (stdout and stderr together); the rest is dropped with a note.</summary>
    [Range(1024, 64 << 20)]
    public int MaxOutputBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Programs a command may start, each with the sub-commands (first argument) it allows,
    /// separated by spaces; <c>*</c> allows any arguments, an empty value removes a program.
    /// Configuration entries replace the default of the same program and add new ones.
    /// Shells and inline-code flags stay refused whatever this says (<see cref="CommandPolicy"/>).
    /// </summary>
    public Dictionary<string, string> Programs { get; } = new(StringComparer.Ordinal)
    {
        ["pnpm"] = "install i add remove rm uninstall un update up run run-script test t start dev build preview lint format exec dlx create list ls why outdated init",
        ["npm"] = "install i ci add uninstall remove rm un update up run run-script test t start exec x create init list ls outdated why explain",
        ["yarn"] = "install add remove upgrade up run test start dev build preview lint dlx create why list init",
        ["npx"] = "*",
        ["node"] = "*",
        ["git"] = "status log diff show ls-files branch",
        ["ls"] = "*",
        ["cat"] = "*",
        ["head"] = "*",
        ["tail"] = "*",
        ["wc"] = "*",
        ["grep"] = "*",
        ["find"] = "*",
        ["mkdir"] = "*",
        ["cp"] = "*",
        ["mv"] = "*",
        ["rm"] = "*",
        ["touch"] = "*",
        ["echo"] = "*",
        ["pwd"] = "*",
        ["tsc"] = "*",
        ["vite"] = "*",
        ["next"] = "*",
        ["eslint"] = "*",
        ["prettier"] = "*",
    };

    /// <summary>
    /// Packages that <c>npx</c>, <c>pnpm dlx</c>, <c>yarn dlx</c> and the <c>create</c> commands may fetch and run,
    /// or whose binaries <c>exec</c> may run; <c>false</c> removes a default.
    /// </summary>
    public Dictionary<string, bool> Packages { get; } = new(StringComparer.Ordinal)
    {
        ["create-vite"] = true,
        ["create-next-app"] = true,
        ["create-react-app"] = true,
        ["typescript"] = true,
        ["vite"] = true,
        ["next"] = true,
        ["eslint"] = true,
        ["prettier"] = true,
        ["tailwindcss"] = true,
        ["shadcn"] = true,
    };

    /// <summary>Directories every command may write besides its project, such as the shared pnpm store.</summary>
    public List<string> ExtraWritableDirectories { get; } = [];

    /// <summary>
    /// Host directories a sandboxed command sees, read-only: the system and the toolchain. Nothing else of the host is
    /// there but the command's own directories (its project, the shared caches of an install), a private /tmp, /dev and
    /// its own /proc. Setting it replaces the defaults; a toolchain installed elsewhere (say /opt/node) must be added.
    /// </summary>
    public List<string>? SystemDirectories { get; set; }

    public static IReadOnlyList<string> DefaultSystemDirectories { get; } =
        ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];

    public IReadOnlyList<string> EffectiveSystemDirectories => SystemDirectories ?? DefaultSystemDirectories;

    /// <summary>
    /// Host paths masked where a visible directory would show them (an empty tmpfs over a directory, /dev/null over a
    /// file), because they hold secrets a command has no business reading. Kiln's own install folder and content root
    /// are always masked. Setting it replaces the defaults.
    /// </summary>
    public List<string>? HiddenPaths { get; set; }

    public static IReadOnlyList<string> DefaultHiddenPaths { get; } =
        ["/root", "/home", "/etc/shadow", "/etc/gshadow", "/etc/ssh", "/run/secrets", "/run/credentials"];

    public IReadOnlyList<string> EffectiveHiddenPaths => HiddenPaths ?? DefaultHiddenPaths;

    /// <summary>
    /// Hosts that package installs and scaffolds may reach through Kiln's egress proxy, the only way out of a sandbox
    /// that has a network namespace of its own: <c>host</c> (ports 80 and 443), <c>host:port</c>, or <c>*.domain</c>
    /// (its subdomains). When not set, the package registry's host (<c>Kiln:Packages:Registry</c>, or the registry the
    /// package manager is configured for). Every other command, dev servers included, reaches no host at all.
    /// </summary>
    public List<string>? AllowedHosts { get; set; }

    /// <summary>
    /// The HTTP proxy that Kiln's egress proxy connects through, such as <c>http://proxy.internal:3128</c>. When not
    /// set: the one the package manager is configured with (<c>https-proxy</c>, <c>proxy</c>), else the one Kiln's own
    /// environment names (<c>HTTPS_PROXY</c>, <c>HTTP_PROXY</c>, <c>ALL_PROXY</c>, honouring <c>NO_PROXY</c>), else none.
    /// </summary>
    public Uri? UpstreamProxy { get; set; }

    /// <summary>PATH of every command; the working directory's node_modules/.bin is appended last.</summary>
    [Required]
    public string SearchPath { get; set; } = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The bwrap executable; found on <see cref="SearchPath"/> when not set.</summary>
    public string? BubblewrapPath { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultTimeoutSeconds > MaxTimeoutSeconds)
        {
            yield return new ValidationResult(
                $"{nameof(DefaultTimeoutSeconds)} ({DefaultTimeoutSeconds}) must not exceed {nameof(MaxTimeoutSeconds)} ({MaxTimeoutSeconds}).",
                [nameof(DefaultTimeoutSeconds)]);
        }

        foreach (var directory in ExtraWritableDirectories)
        {
            if (!Path.IsPathFullyQualified(directory) || Path.TrimEndingDirectorySeparator(directory) == "/")
            {
                yield return new ValidationResult(
                    $"Extra writable directory '{directory}' must be an absolute path other than '/'.",
                    [nameof(ExtraWritableDirectories)]);
            }
        }

        foreach (var directory in EffectiveSystemDirectories)
        {
            if (!Path.IsPathFullyQualified(directory) || Path.TrimEndingDirectorySeparator(directory) == "/")
            {
                yield return new ValidationResult(
                    $"System directory '{directory}' must be an absolute path other than '/'.", [nameof(SystemDirectories)]);
            }
        }

        foreach (var path in EffectiveHiddenPaths)
        {
            if (!Path.IsPathFullyQualified(path) || Path.TrimEndingDirectorySeparator(path) == "/")
            {
                yield return new ValidationResult(
                    $"Hidden path '{path}' must be an absolute path other than '/'.", [nameof(HiddenPaths)]);
            }
        }

        foreach (var host in AllowedHosts ?? [])
        {
            if (EgressAllowlist.Check(host) is { } problem)
            {
                yield return new ValidationResult($"Allowed host '{host}' {problem}", [nameof(AllowedHosts)]);
            }
        }

        if (UpstreamProxy is { } proxy && (!proxy.IsAbsoluteUri || proxy.Scheme != "http" || proxy.AbsolutePath != "/"))
        {
            yield return new ValidationResult(
                $"Upstream proxy '{proxy}' must be an http:// URL with a host and an optional port, such as http://proxy.internal:3128.",
                [nameof(UpstreamProxy)]);
        }

        foreach (var (program, _) in Programs)
        {
            if (program.Length == 0 || program.Contains('/', StringComparison.Ordinal))
            {
                yield return new ValidationResult(
                    $"Program '{program}' must be a bare program name, found on the search path.", [nameof(Programs)]);
            }
        }
    }
}
