namespace Kiln.Sandbox;

/// <summary>
/// The environment of a child process, built from nothing: the server's own environment holds the
/// API key and Kiln's configuration, so nothing is inherited and secret-looking names are refused
/// even when Kiln's own code asks for them.
/// </summary>
internal static class ChildEnvironment
{
    private static readonly string[] SecretPrefixes = ["KILN", "ANTHROPIC", "CLAUDE", "LD_"];

    private static readonly string[] SecretWords =
        ["API_KEY", "APIKEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "ACCESS_KEY"];

    /// <summary>True for names a child must never receive: Kiln's configuration, model credentials, anything named like a secret, and loader hooks.</summary>
    public static bool IsForbidden(string name)
    {
        var upper = name.ToUpperInvariant();
        return SecretPrefixes.Any(p => upper.StartsWith(p, StringComparison.Ordinal)) ||
               SecretWords.Any(w => upper.Contains(w, StringComparison.Ordinal));
    }

    /// <summary>Throws for extra entries a caller must not pass.</summary>
    public static void Validate(IReadOnlyDictionary<string, string> extra)
    {
        foreach (var (name, value) in extra)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) ||
                value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Environment variable '{name}' is not a valid name or value.", nameof(extra));
            }

            if (IsForbidden(name))
            {
                throw new ArgumentException(
                    $"Environment variable '{name}' looks like a secret or Kiln setting; sandboxed processes never receive those.",
                    nameof(extra));
            }
        }
    }

    /// <summary>
    /// Why a project may not set <paramref name="name"/> (an upper-case name) for its own processes, or null when it
    /// may. The project's variables and secrets are its owner's, so names that look like secrets are fine there; what is
    /// refused is what Kiln sets itself or what would change how Kiln's own helpers (bubblewrap, prlimit, the network
    /// bridge, the package manager), which start with the same environment, load code or reach the network.
    /// </summary>
    public static string? ReservedReason(string name)
    {
        if (ReservedNames.TryGetValue(name, out var reason))
        {
            return reason;
        }

        foreach (var (prefix, why) in ReservedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return why;
            }
        }

        return null;
    }

    private const string SetByKiln = "Kiln sets it for every process it runs, and the sandbox relies on its value.";
    private const string LoadsCode =
        "it changes what code a program loads before it starts, including Kiln's own sandbox helpers, which start with the same environment.";
    private const string Network = "it decides where network traffic goes, which is Kiln's egress policy to decide.";
    private const string DevServer = "Kiln sets it for the dev server it runs (the host and port Kiln's preview reaches).";

    private static readonly Dictionary<string, string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["PATH"] = SetByKiln, ["HOME"] = SetByKiln, ["TMPDIR"] = SetByKiln, ["TMP"] = SetByKiln, ["TEMP"] = SetByKiln,
        ["LANG"] = SetByKiln, ["TERM"] = SetByKiln, ["CI"] = SetByKiln, ["NO_COLOR"] = SetByKiln, ["PWD"] = SetByKiln,
        ["SHELL"] = SetByKiln, ["USER"] = SetByKiln, [StrayProcesses.MarkerName] = SetByKiln,
        ["NODE_ENV"] = "Kiln's tools set it by what runs: development for the dev server, production for a build.",
        ["HOST"] = DevServer, ["HOSTNAME"] = DevServer, ["PORT"] = DevServer, ["BROWSER"] = DevServer,
        ["NODE_OPTIONS"] = LoadsCode, ["NODE_PATH"] = LoadsCode, ["BASH_ENV"] = LoadsCode, ["ENV"] = LoadsCode,
        ["IFS"] = LoadsCode, ["PYTHONPATH"] = LoadsCode, ["PYTHONSTARTUP"] = LoadsCode, ["PERL5OPT"] = LoadsCode,
        ["HTTP_PROXY"] = Network, ["HTTPS_PROXY"] = Network, ["ALL_PROXY"] = Network, ["NO_PROXY"] = Network,
        ["NODE_EXTRA_CA_CERTS"] = Network, ["NODE_TLS_REJECT_UNAUTHORIZED"] = Network, ["SSL_CERT_FILE"] = Network,
        ["SSL_CERT_DIR"] = Network,
    };

    private static readonly (string Prefix, string Reason)[] ReservedPrefixes =
    [
        ("LD_", LoadsCode),
        ("DYLD_", LoadsCode),
        ("KILN", "names starting with KILN are Kiln's own settings."),
        ("NPM_CONFIG_", "the package manager's settings (registry, store, proxy) are Kiln's."),
        ("PNPM_", "the package manager's settings (registry, store, proxy) are Kiln's."),
        ("COREPACK_", "the package manager's settings (registry, store, proxy) are Kiln's."),
        ("NPM_LIFECYCLE_", "the package manager sets it for the script it runs."),
        ("GIT_", "git's settings would change the version history Kiln keeps of the app."),
    ];

    /// <summary>Throws for a project's own variables that <see cref="ReservedReason"/> refuses or that are not valid.</summary>
    public static void ValidateProjectVariables(IReadOnlyDictionary<string, string> variables)
    {
        foreach (var (name, value) in variables)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) ||
                value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Environment variable '{name}' is not a valid name or value.", nameof(variables));
            }

            if (ReservedReason(name) is { } reason)
            {
                throw new ArgumentException($"A project may not set '{name}': {reason}", nameof(variables));
            }
        }
    }

    /// <summary>
    /// The environment of a child: Kiln's minimal one, the project's own <paramref name="projectVariables"/>, then
    /// <paramref name="extra"/> (what Kiln's caller sets), which wins over the project's.
    /// </summary>
    public static Dictionary<string, string> Build(
        string searchPath, string home, string temporaryDirectory, IReadOnlyDictionary<string, string> projectVariables,
        IReadOnlyDictionary<string, string> extra, string? marker)
    {
        var environment = new Dictionary<string, string>(projectVariables, StringComparer.Ordinal)
        {
            ["PATH"] = searchPath,
            ["HOME"] = home,
            ["TMPDIR"] = temporaryDirectory,
            ["LANG"] = "C.UTF-8",
            ["TERM"] = "dumb",
            ["CI"] = "1",
            ["NO_COLOR"] = "1",
        };

        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        if (marker is not null)
        {
            environment[StrayProcesses.MarkerName] = marker;
        }

        return environment;
    }
}
