using System.ComponentModel.DataAnnotations;

namespace Kiln.Projects;

/// <summary>
/// Hard limits on what one Kiln holds, bound from <c>Kiln:Quotas</c>: a request past one is refused, nothing is
/// removed to make room (that is the cleanup policy's job, <see cref="CleanupOptions"/>). Off by default.
/// </summary>
public sealed class QuotaOptions
{
    public const string Section = "Kiln:Quotas";

    /// <summary>
    /// Most projects the store may hold (every instance of a fleet counts the same shared store). A new project past it
    /// is refused; follow-ups to existing ones still run. Null: no limit.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? MaxProjects { get; set; }
}
