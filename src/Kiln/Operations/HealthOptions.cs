using System.ComponentModel.DataAnnotations;

namespace Kiln.Operations;

/// <summary>Readiness thresholds, bound from <c>Kiln:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Kiln:Health";

    /// <summary>Below this many free bytes on the projects' filesystem, <c>/readyz</c> reports unhealthy.</summary>
    [Range(0, long.MaxValue)]
    public long MinFreeDiskBytes { get; set; } = 1L << 30;
}
