using System.ComponentModel.DataAnnotations;

namespace Kiln.Projects;

/// <summary>Where projects live. Bound from the <c>Kiln</c> section.</summary>
public sealed class ProjectsOptions
{
    public const string Section = "Kiln";

    /// <summary>Root of every project directory and of <c>kiln.db</c>. Default: <c>{temp}/claude-projects</c>.</summary>
    [Required]
    public string ProjectsRoot { get; set; } = Path.Combine(Path.GetTempPath(), "claude-projects");
}
