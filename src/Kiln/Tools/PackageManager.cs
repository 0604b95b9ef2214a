using System.Text.RegularExpressions;
using Kiln.Projects;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Tools;

/// <summary>A package-manager command: its argv, and the shorter line events and results show for it.</summary>
public sealed record PackageCommand(IReadOnlyList<string> Argv, string Display)
{
    public PackageCommand(IReadOnlyList<string> argv)
        : this(argv, PackageManager.Display(argv))
    {
    }
}

/// <summary>
/// The package manager Kiln runs for every project (pnpm when present, npm otherwise) and the caches all projects
/// share: the template cache, pnpm's content-addressed store and the registry metadata. It only builds argv and
/// environments; the sandbox runs them.
/// </summary>
/// <remarks>
/// Installs run with <c>--ignore-scripts</c> and <c>--ignore-pnpmfile</c>, because they are the only commands that
/// can write the shared store: no code the project carries (its lifecycle scripts, a <c>.pnpmfile.cjs</c>) may run
/// while another project's packages are within reach. A project's install copies packages out of the store: inside
/// bubblewrap the store and the app are separate bind mounts, across which the kernel refuses hard links. The
/// template cache's install links them (it runs with the whole cache as one mount), and a new app gets the
/// template's files linked in turn; a shared inode is safe there only because every command of an app sees its
/// node_modules/.pnpm read-only (<see cref="InstalledDependencies"/>).
/// </remarks>
public sealed partial class PackageManager
{
    /// <summary>The directory a scaffolder creates, and so the app's package name; the same as the project's app directory.</summary>
    public const string AppName = ProjectWorkspace.AppDirectoryName;

    private const string ExtraCaVariable = "NODE_EXTRA_CA_CERTS";

    private readonly PackagesOptions _options;
    private readonly string? _caFile;

    public PackageManager(IOptions<PackagesOptions> options, IOptions<SandboxOptions> sandbox, ProjectWorkspace workspace)
    {
        _options = options.Value;
        Kind = _options.PackageManager switch
        {
            PackageManagerChoice.Auto => IsOnSearchPath("pnpm", sandbox.Value.SearchPath) ? PackageManagerChoice.Pnpm : PackageManagerChoice.Npm,
            var chosen => chosen,
        };
        CacheRoot = Path.GetFullPath(_options.CacheDirectory ?? Path.Combine(workspace.Root, ".cache"));
        _caFile = string.IsNullOrEmpty(_options.CaFile) ? System.Environment.GetEnvironmentVariable(ExtraCaVariable) : _options.CaFile;
    }

    /// <summary><see cref="PackageManagerChoice.Pnpm"/> or <see cref="PackageManagerChoice.Npm"/>, never Auto.</summary>
    public PackageManagerChoice Kind { get; }

    public string Name => Kind == PackageManagerChoice.Pnpm ? "pnpm" : "npm";

    public string CacheRoot { get; }

    /// <summary>Scaffolded templates, one directory per scaffolder version, template and package manager.</summary>
    public string TemplatesDirectory => Path.Combine(CacheRoot, "templates");

    /// <summary>pnpm's content-addressed store, shared by every project.</summary>
    public string StoreDirectory => Path.Combine(CacheRoot, "pnpm-store");

    /// <summary>Registry metadata and dlx packages (pnpm), or npm's whole cache.</summary>
    public string MetadataDirectory => Path.Combine(CacheRoot, Kind == PackageManagerChoice.Pnpm ? "pnpm-cache" : "npm-cache");

    /// <summary>The directories an install must be able to write besides the project; created on first use.</summary>
    public IReadOnlyList<string> SharedCaches()
    {
        var caches = Kind == PackageManagerChoice.Pnpm ? new[] { StoreDirectory, MetadataDirectory } : [MetadataDirectory];
        foreach (var cache in caches)
        {
            Directory.CreateDirectory(cache);
        }

        return caches;
    }

    /// <summary>
    /// Variables every command Kiln runs for a project gets: the registry, the extra CA certificates, and no telemetry
    /// or update checks. With <paramref name="sharedCaches"/>, also where the shared store and caches are, for commands
    /// that may write them and take no options for them (<c>pnpm dlx</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment(bool sharedCaches = false)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["NEXT_TELEMETRY_DISABLED"] = "1" };
        Set(environment, "update_notifier", "false");
        Set(environment, "fund", "false");
        Set(environment, "audit", "false");
        // A "packageManager" field naming another pnpm would make pnpm download that version before running
        // anything, which a command without network cannot (and installs pass the same as an option).
        Set(environment, "manage_package_manager_versions", "false");
        if (_options.Registry is { } registry)
        {
            Set(environment, "registry", registry.AbsoluteUri);
        }

        if (!string.IsNullOrEmpty(_caFile))
        {
            environment[ExtraCaVariable] = _caFile;
        }

        if (sharedCaches)
        {
            // Kiln retries these commands itself after a registry failure, and says so; the package manager's own
            // retries back off for up to a minute per request, which an unreachable registry would pay in full.
            Set(environment, "fetch_retries", "0");
        }

        if (sharedCaches && Kind == PackageManagerChoice.Pnpm)
        {
            Set(environment, "store_dir", StoreDirectory);
            Set(environment, "cache_dir", MetadataDirectory);
        }
        else if (sharedCaches)
        {
            Set(environment, "cache", MetadataDirectory);
        }

        return environment;
    }

    // npm (and pnpm up to 10) read npm_config_* variables; pnpm 11 reads pnpm_config_* only. Both are set, so what a
    // project's own scripts run with npm sees the same settings.
    private void Set(Dictionary<string, string> environment, string setting, string value)
    {
        environment["npm_config_" + setting] = value;
        if (Kind == PackageManagerChoice.Pnpm)
        {
            environment["pnpm_config_" + setting] = value;
        }
    }

    /// <summary>
    /// Installs the project's dependencies, or adds <paramref name="packages"/> to them. With
    /// <paramref name="linkFromStore"/> pnpm hard-links the packages' files from the store instead of copying them, for
    /// the template cache's own install, whose files no project's command can write (see <see cref="InstalledDependencies"/>).
    /// </summary>
    public PackageCommand Install(IReadOnlyList<string> packages, bool dev, bool linkFromStore = false)
    {
        List<string> command = Kind == PackageManagerChoice.Pnpm
            // CI=1 in every command would make a plain install refuse a lockfile the model's package.json edits outdated.
            ? packages.Count == 0 ? ["pnpm", "install", "--no-frozen-lockfile"] : ["pnpm", "add", .. Dev("--save-dev")]
            : ["npm", "install", .. packages.Count == 0 ? [] : Dev("--save-dev")];
        return WithInstallOptions(command, packages, linkFromStore);

        string[] Dev(string flag) => dev ? [flag] : [];
    }

    /// <summary>Resolves every dependency and writes the lockfile, without installing: what a cached template keeps.</summary>
    public PackageCommand ResolveLockfile() =>
        WithInstallOptions([Name, "install", Kind == PackageManagerChoice.Pnpm ? "--lockfile-only" : "--package-lock-only"], []);

    /// <summary>
    /// Fetches a scaffolder (<c>create-vite</c>, <c>create-next-app</c>) at an exact version and runs it; run it with
    /// <see cref="Environment"/>'s shared caches, which is how <c>pnpm dlx</c> learns where they are.
    /// </summary>
    public PackageCommand Create(string package, string version, IReadOnlyList<string> arguments) => new(Kind == PackageManagerChoice.Pnpm
        ? ["pnpm", "dlx", $"{package}@{version}", .. arguments]
        : ["npm", "exec", "--yes", $"--package={package}@{version}", "--", package, .. arguments]);

    public PackageCommand RunScript(string script) => new([Name, "run", script]);

    /// <summary>
    /// True when a failed install's output looks like the registry's or the network's passing trouble (a reset or
    /// timed-out connection, a DNS hiccup, a 429 or 5xx answer), which is worth another attempt.
    /// </summary>
    public static bool IsTransientFailure(string output) => TransientFailure().IsMatch(output);

    /// <summary>Null when <paramref name="spec"/> is a registry package name with an optional version or tag; else why not.</summary>
    public static string? CheckPackageSpec(string spec)
    {
        if (PackageSpec().IsMatch(spec) && spec.Length <= 256)
        {
            return null;
        }

        return $"'{spec}' is not a package from the registry. Give a package name with an optional version or tag, " +
               "for example 'react-router', 'zod@3' or '@tanstack/react-query@^5'; paths, URLs, git and alias specs are not installed.";
    }

    /// <summary>The command with the options every install gets; its display leaves them out, since they never change.</summary>
    private PackageCommand WithInstallOptions(List<string> command, IReadOnlyList<string> packages, bool linkFromStore = false)
    {
        var options = Kind == PackageManagerChoice.Pnpm ? PnpmInstallOptions(linkFromStore ? "hardlink" : "clone-or-copy") : NpmInstallOptions();
        return new PackageCommand([.. command, .. options, .. packages], Display([.. command, .. packages]));
    }

    private List<string> PnpmInstallOptions(string importMethod) =>
    [
        "--prefer-offline",
        "--ignore-scripts",
        "--ignore-pnpmfile",
        "--store-dir", StoreDirectory,
        "--cache-dir", MetadataDirectory,
        "--package-import-method", importMethod,
        // Kiln retries a whole install after a registry failure (it says so), so pnpm's own slow backoff is off.
        "--fetch-retries", "0",
        "--reporter", "append-only",
        // Without a terminal pnpm would stop to ask before it replaces a node_modules it did not make.
        "--config.confirm-modules-purge=false",
        // A "packageManager" field naming another pnpm version must not make pnpm download that version.
        "--config.manage-package-manager-versions=false",
    ];

    private List<string> NpmInstallOptions() =>
    [
        "--prefer-offline",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--cache", MetadataDirectory,
        "--fetch-retries", "0",
    ];

    private static bool IsOnSearchPath(string program, string searchPath) =>
        searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Join(directory, program))
            .Any(candidate => File.Exists(candidate) && !OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    /// <summary>A display form of an argv for events and results: shell-quoted where needed, so it reads like a command line.</summary>
    public static string Display(IReadOnlyList<string> argv) =>
        string.Join(' ', argv.Select(argument => argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@^~+,%".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    [GeneratedRegex(@"\b(ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|EAI_AGAIN|EPIPE|ERR_SOCKET_TIMEOUT|ERR_PNPM_FETCH_(429|5\d\d)|E(429|5\d\d))\b|socket hang up|\b(429 Too Many Requests|50[0-4] (Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Time-?out))\b", RegexOptions.IgnoreCase)]
    private static partial Regex TransientFailure();

    // npm's name rules, loosely (an optional scope, then a name; old packages may have capitals), then an optional
    // version, range or tag. No ':' and no '/' after the scope, so no paths, URLs, git specs or npm: aliases; and
    // nothing may start with '-', so no spec is read as an option.
    [GeneratedRegex(@"^(@[A-Za-z0-9][A-Za-z0-9._~-]*/)?[A-Za-z0-9][A-Za-z0-9._~-]*(@[A-Za-z0-9.^~<>=*|+_ -]{1,64})?$")]
    private static partial Regex PackageSpec();
}
