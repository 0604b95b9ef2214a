using System.Globalization;

namespace Kiln.Sandbox;

/// <summary>
/// How a command in bubblewrap reaches the network, or rather does not: it has a network namespace of its own with
/// nothing in it but its own loopback, so it cannot reach Kiln, other projects, any service on the machine or the
/// internet. What must cross goes through Unix sockets (which reach across network namespaces through the filesystem)
/// in a directory Kiln makes for the command and binds into its sandbox, and through the bridge, sandbox-bridge.cjs,
/// which node runs in front of the command: a dev server's port out to Kiln's preview proxy, and a package install's
/// proxy connections out to an <see cref="EgressProxy"/> that reaches the allowed hosts alone.
/// </summary>
/// <remarks>
/// The directories live in one private directory under the system's temp directory, which no sandbox sees (each has a
/// /tmp of its own), so a command finds only its own sockets.
/// </remarks>
internal sealed class SandboxNetwork(SandboxOptions options, ILogger logger) : IDisposable
{
    /// <summary>Where a command's bridge directory appears in its sandbox: on its private /tmp, where bwrap can make the mount point.</summary>
    public const string BridgeDirectory = "/tmp/.kiln";

    /// <summary>Where the bridge script appears in the sandbox, read-only.</summary>
    public const string BridgeScript = "/tmp/.kiln-bridge.cjs";

    /// <summary>The port inside a command's namespace where an install finds its proxy; nothing else listens in a new namespace.</summary>
    public const int EgressPort = 3128;

    private const string RootPrefix = "kiln-net-";
    private const string ScriptResource = "Sandbox/sandbox-bridge.cjs";
    private const string ExposedSocketName = "exposed.sock";
    private const string EgressSocketName = "egress.sock";

    private readonly Lock _lock = new();
    private string? _root;
    private long _next;

    /// <summary>The proxy URL every egress command is told, in each of the spellings package managers and other tools read.</summary>
    public static IReadOnlyDictionary<string, string> EgressEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["HTTP_PROXY"] = ProxyUrl,
        ["HTTPS_PROXY"] = ProxyUrl,
        ["http_proxy"] = ProxyUrl,
        ["https_proxy"] = ProxyUrl,
        ["npm_config_proxy"] = ProxyUrl,
        ["npm_config_https_proxy"] = ProxyUrl,
        // pnpm 11 reads its settings from pnpm_config_* variables only.
        ["pnpm_config_proxy"] = ProxyUrl,
        ["pnpm_config_https_proxy"] = ProxyUrl,
    };

    private static string ProxyUrl => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{EgressPort}");

    /// <summary>
    /// What a command needs to cross its namespace: nothing (null) for most commands, which cross nothing at all; a
    /// bridge directory with the exposed port's socket, the egress proxy's, or both otherwise.
    /// </summary>
    public ProcessNetwork? Open(ProcessSpec spec)
    {
        if (spec.ExposedPort is null && spec.Egress is null)
        {
            return null;
        }

        var directory = Directory.CreateDirectory(
            Path.Join(Root(), Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture))).FullName;
        var bridge = new List<string>();
        string? exposedSocket = null;
        EgressProxy? egress = null;
        var opened = false;
        try
        {
            if (spec.ExposedPort is { } port)
            {
                exposedSocket = Path.Join(directory, ExposedSocketName);
                bridge.AddRange(["--expose", port.ToString(CultureInfo.InvariantCulture), $"{BridgeDirectory}/{ExposedSocketName}"]);
            }

            if (spec.Egress is { } grant)
            {
                var allowlist = EgressAllowlist.Parse(grant.HostsNamedByPerson ? grant.Hosts : options.AllowedHosts ?? grant.Hosts);
                egress = new EgressProxy(Path.Join(directory, EgressSocketName), allowlist, options.UpstreamProxy ?? grant.UpstreamProxy, logger);
                bridge.AddRange(["--egress", EgressPort.ToString(CultureInfo.InvariantCulture), $"{BridgeDirectory}/{EgressSocketName}"]);
            }

            opened = true;
        }
        finally
        {
            if (!opened)
            {
                // Nothing of a network that could not be opened may outlive the attempt.
                Delete(directory);
            }
        }

        return new ProcessNetwork(directory, exposedSocket, bridge, egress is null ? new Dictionary<string, string>() : EgressEnvironment, egress);
    }

    /// <summary>The host path of the bridge script, written out of Kiln's assembly once.</summary>
    public string ScriptPath => Path.Join(Root(), "sandbox-bridge.cjs");

    public void Dispose()
    {
        lock (_lock)
        {
            if (_root is not null)
            {
                Delete(_root);
                _root = null;
            }
        }
    }

    internal static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A directory left behind holds only sockets nobody listens on; the system's temp cleaning takes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The directories of Kilns that are gone (killed outright, so they could not remove their own): their sockets
    /// lead nowhere. A directory names its Kiln's pid; one whose process still exists is left alone.
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), RootPrefix + "*"))
        {
            var name = Path.GetFileName(directory).AsSpan(RootPrefix.Length);
            var dash = name.IndexOf('-');
            if (dash > 0 && int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"))
            {
                Delete(directory);
            }
        }
    }

    private string Root()
    {
        lock (_lock)
        {
            if (_root is not null)
            {
                return _root;
            }

            RemoveLeftovers();
            // Short, because a Unix socket's path may not exceed 107 bytes: /tmp/kiln-net-{pid}-XXXXXX/N/exposed.sock.
            var root = Directory.CreateTempSubdirectory(string.Create(CultureInfo.InvariantCulture, $"{RootPrefix}{Environment.ProcessId}-")).FullName;
            using (var script = typeof(SandboxNetwork).Assembly.GetManifestResourceStream(ScriptResource)
                                ?? throw new InvalidOperationException($"The embedded resource {ScriptResource} is missing from Kiln's assembly."))
            using (var file = File.Create(Path.Join(root, "sandbox-bridge.cjs")))
            {
                script.CopyTo(file);
            }

            _root = root;
            return root;
        }
    }
}
