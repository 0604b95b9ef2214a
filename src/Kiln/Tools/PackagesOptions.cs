using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Kiln.Tools;

/// <summary>Which package manager runs a project's installs and scripts.</summary>
public enum PackageManagerChoice
{
    /// <summary>pnpm when it is on the sandbox's search path, npm otherwise.</summary>
    Auto,
    Pnpm,
    Npm,
}

/// <summary>
/// How Kiln gets JavaScript packages: the package manager, the caches shared by every project (scaffolded
/// templates, the pnpm store, metadata), the scaffolders' pinned versions and the install and build limits.
/// Bound from <c>Kiln:Packages</c>.
/// </summary>
public sealed partial class PackagesOptions : IValidatableObject
{
    public const string Section = "Kiln:Packages";

    public PackageManagerChoice PackageManager { get; set; } = PackageManagerChoice.Auto;

    /// <summary>Where the template cache, the pnpm store and the metadata caches live. Default: <c>{ProjectsRoot}/.cache</c>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>The npm registry every install and scaffold uses; the package manager's default when not set.</summary>
    public Uri? Registry { get; set; }

    /// <summary>
    /// A file of extra CA certificates that installs and scaffolds trust (Node's <c>NODE_EXTRA_CA_CERTS</c>), for a
    /// network whose HTTPS is intercepted. When not set, the <c>NODE_EXTRA_CA_CERTS</c> of Kiln's own environment: Node
    /// trusts only its own list, and pnpm 11 reads no global npmrc whose <c>cafile</c> could name it.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>The create-vite release <c>create_vite_app</c> and <c>create_react_app</c> scaffold with; part of the template cache's key.</summary>
    [Required]
    public string CreateViteVersion { get; set; } = "9.3.0";

    /// <summary>The create-next-app release <c>create_next_app</c> scaffolds with; part of the template cache's key.</summary>
    [Required]
    public string CreateNextAppVersion { get; set; } = "16.4.3";

    /// <summary>
    /// A cached template older than this is scaffolded again (with fresh dependency versions) the next time it is
    /// used; if that fails, the old one is used. 0 keeps templates until their version changes.
    /// </summary>
    [Range(0, 3650)]
    public int TemplateMaxAgeDays { get; set; } = 30;

    /// <summary>Attempts of an install or scaffold whose failure looks like the registry's (a reset, a timeout, a 5xx).</summary>
    [Range(1, 10)]
    public int InstallAttempts { get; set; } = 3;

    /// <summary>Wait before the first retry; each later retry waits twice as long.</summary>
    [Range(0, 300)]
    public double InstallRetryDelaySeconds { get; set; } = 2;

    /// <summary>Wall-clock limit of one install or scaffold attempt (never more than <c>Kiln:Sandbox:MaxTimeoutSeconds</c>).</summary>
    [Range(1, 86_400)]
    public int InstallTimeoutSeconds { get; set; } = 600;

    /// <summary>Wall-clock limit of <c>build_project</c> (never more than <c>Kiln:Sandbox:MaxTimeoutSeconds</c>).</summary>
    [Range(1, 86_400)]
    public int BuildTimeoutSeconds { get; set; } = 300;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, version) in new[] { (nameof(CreateViteVersion), CreateViteVersion), (nameof(CreateNextAppVersion), CreateNextAppVersion) })
        {
            // An exact version, because it names the cache entry: "latest" would never be scaffolded again.
            if (version is not null && !ExactVersion().IsMatch(version))
            {
                yield return new ValidationResult($"{name} '{version}' must be an exact version such as 1.2.3.", [name]);
            }
        }

        if (Registry is { } registry && (!registry.IsAbsoluteUri || registry.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"Registry '{registry}' must be an absolute http or https URL.", [nameof(Registry)]);
        }

        if (CacheDirectory is { } cache && (!Path.IsPathFullyQualified(cache) || Path.TrimEndingDirectorySeparator(cache) == "/"))
        {
            yield return new ValidationResult($"CacheDirectory '{cache}' must be an absolute path other than '/'.", [nameof(CacheDirectory)]);
        }
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex ExactVersion();
}
