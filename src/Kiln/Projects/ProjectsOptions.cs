using System.ComponentModel.DataAnnotations;

namespace Kiln.Projects;

/// <summary>Where projects live. Bound from the <c>Kiln</c> section.</summary>
public sealed class ProjectsOptions
{
    public const string Section = "Kiln";

    /// <summary>Root of every project directory and of <c>kiln.db</c>. Default: <c>{temp}/claude-projects</c>.</summary>
    [Required]
    public string ProjectsRoot { get; set; } = Path.Combine(Path.GetTempPath(), "claude-projects");

    /// <summary>
    /// Where Kiln records the processes it runs for each project (pid files), so that another Kiln on this machine that
    /// takes a project over kills what a dead or frozen owner left running. One directory per machine, shared by every
    /// Kiln on it whatever their projects roots, and private to the user Kiln runs as. Default:
    /// <c>$XDG_RUNTIME_DIR/kiln/pids</c>, else <c>{temp}/kiln-{user}/pids</c>.
    /// </summary>
    public string? PidFilesRoot { get; set; }

    /// <summary>The pid files' directory: <see cref="PidFilesRoot"/>, or the machine's default.</summary>
    public string ResolvePidFilesRoot() =>
        PidFilesRoot is { Length: > 0 } configured
            ? configured
            : Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime
                ? Path.Combine(runtime, "kiln", "pids")
                : Path.Combine(Path.GetTempPath(), $"kiln-{Environment.UserName}", "pids");
}
