using System.Text.Json;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Tools;

/// <summary>
/// The one place package installs and scaffolds may reach from their sandbox: the registry's host, through Kiln's
/// egress proxy. The registry is <c>Kiln:Packages:Registry</c> when set; otherwise the package manager is asked, once,
/// which registry and proxy it is configured for (<c>config list --json</c>, run in the sandbox, so it reads the
/// configuration installs read), and the proxy it names is the one Kiln's egress proxy connects through.
/// <c>Kiln:Sandbox:AllowedHosts</c> and <c>Kiln:Sandbox:UpstreamProxy</c>, when set, have the last word.
/// </summary>
public sealed class PackageRegistry
{
    /// <summary>What npm and pnpm use when nothing configures a registry.</summary>
    public static readonly Uri DefaultRegistry = new("https://registry.npmjs.org/");

    private static readonly TimeSpan ConfigTimeout = TimeSpan.FromSeconds(30);

    private readonly PackageManager _packages;
    private readonly SandboxedProcessRunner _runner;
    private readonly PackagesOptions _options;
    private readonly ILogger<PackageRegistry> _logger;
    private readonly Lazy<Task<EgressGrant>> _grant;

    public PackageRegistry(PackageManager packages, SandboxedProcessRunner runner, IOptions<PackagesOptions> options, ILogger<PackageRegistry> logger)
    {
        _packages = packages;
        _runner = runner;
        _options = options.Value;
        _logger = logger;
        _grant = new Lazy<Task<EgressGrant>>(FindAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>What a command that talks to the registry may reach; found on first use and kept.</summary>
    public Task<EgressGrant> EgressAsync(CancellationToken cancellationToken) => _grant.Value.WaitAsync(cancellationToken);

    /// <summary>The allowlist entry of a registry: its host, with its port unless that is the scheme's own.</summary>
    public static string HostOf(Uri registry) => registry.IsDefaultPort ? registry.Host : registry.Authority;

    private async Task<EgressGrant> FindAsync()
    {
        if (_options.Registry is { } configured)
        {
            return new EgressGrant([HostOf(configured)]);
        }

        var (registry, proxy) = await ReadConfigurationAsync();
        _logger.RegistryFound(registry.AbsoluteUri, proxy?.Authority ?? "none");
        return new EgressGrant([HostOf(registry)], proxy);
    }

    /// <summary>The registry and proxy the package manager reports; the defaults when it cannot say.</summary>
    private async Task<(Uri Registry, Uri? Proxy)> ReadConfigurationAsync()
    {
        // An empty directory of Kiln's own: a project's .npmrc must not speak for every project.
        var directory = Directory.CreateDirectory(Path.Combine(_packages.CacheRoot, "config-probe")).FullName;
        var spec = new ProcessSpec([_packages.Name, "config", "list", "--json"], directory, [directory])
        {
            Timeout = ConfigTimeout,
            Environment = _packages.Environment(),
        };
        ProcessResult result;
        try
        {
            result = await _runner.RunAsync(spec, onOutputLine: null, CancellationToken.None);
        }
        catch (SandboxUnavailableException exception)
        {
            _logger.RegistryUnknown(exception.Message);
            return (DefaultRegistry, null);
        }

        var output = result.Output;
        var start = output.IndexOf('{', StringComparison.Ordinal);
        var end = output.LastIndexOf('}');
        if (result.ExitCode != 0 || start < 0 || end < start)
        {
            _logger.RegistryUnknown($"'{_packages.Name} config list --json' exited with {result.ExitCode}");
            return (DefaultRegistry, null);
        }

        try
        {
            using var config = JsonDocument.Parse(output.AsMemory(start, end - start + 1));
            var root = config.RootElement;
            var registry = Url(root, "registry") is { Scheme: "http" or "https" } found ? found : DefaultRegistry;
            var proxy = Url(root, "https-proxy") ?? Url(root, "proxy");
            return (registry, proxy is { Scheme: "http" } ? proxy : null);
        }
        catch (JsonException exception)
        {
            _logger.RegistryUnknown($"'{_packages.Name} config list --json' printed no JSON ({exception.Message})");
            return (DefaultRegistry, null);
        }
    }

    private static Uri? Url(JsonElement config, string key) =>
        config.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String &&
        Uri.TryCreate(value.GetString(), UriKind.Absolute, out var url)
            ? url
            : null;
}
