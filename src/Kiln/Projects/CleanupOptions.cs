using System.ComponentModel.DataAnnotations;

namespace Kiln.Projects;

/// <summary>
/// When old projects are removed, bound from <c>Kiln:Cleanup</c>. Every limit is off by default: removing a
/// person's work is something an operator opts into.
/// </summary>
public sealed class CleanupOptions : IValidatableObject
{
    public const string Section = "Kiln:Cleanup";

    /// <summary>A project not used for longer than this is removed. Null: no age limit.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Beyond this many projects, the least recently used are removed. Null: no limit.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxProjects { get; set; }

    /// <summary>
    /// Beyond this many bytes in all project directories together, the largest idle projects are removed. A command is
    /// also stopped when its project would take more than the other projects (as last measured) leave. Null: no limit.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long? MaxDiskBytes { get; set; }

    /// <summary>How often the limits are checked.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    public bool Enabled => MaxAge is not null || MaxProjects is not null || MaxDiskBytes is not null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxAge <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"Kiln:Cleanup:MaxAge must be positive (or unset for no age limit); it is {MaxAge}.", [nameof(MaxAge)]);
        }

        if (Interval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult($"Kiln:Cleanup:Interval must be at least 00:00:01; it is {Interval}.", [nameof(Interval)]);
        }
    }
}
