using System.Globalization;
using Microsoft.Extensions.Options;

namespace Kiln.Projects;

/// <summary>The layout of projects on disk (DESIGN.md section 4). The one place that turns an id into paths.</summary>
public sealed class ProjectWorkspace(IOptions<ProjectsOptions> options)
{
    public const string AppDirectoryName = "generated-app";
    public const string SessionDirectoryName = ".claude-session";
    public const string LogsDirectoryName = "logs";
    public const string ScreenshotsDirectoryName = "screenshots";
    public const string SiteDirectoryName = "site";

    public string Root { get; } = Path.GetFullPath(options.Value.ProjectsRoot);

    public string DatabasePath => Path.Combine(Root, "kiln.db");

    /// <summary>The Data Protection key ring that seals the projects' MCP tokens, beside the database that holds them.</summary>
    public string DataProtectionKeysDirectory => Path.Combine(Root, ".data-protection-keys");

    public string ProjectDirectory(string projectId) =>
        ProjectIds.IsValid(projectId)
            ? Path.Combine(Root, projectId)
            : throw new ArgumentException($"'{projectId}' is not a project id.", nameof(projectId));

    /// <summary>Every project's pid files on this machine (<see cref="ProjectsOptions.PidFilesRoot"/>).</summary>
    public string PidFilesRoot { get; } = Path.GetFullPath(options.Value.ResolvePidFilesRoot());

    /// <summary>
    /// The project's pid files (<c>Kiln.Sandbox.PidFiles</c>): what its processes on this machine are, for its next
    /// owner here. Outside the projects root, so a Kiln with a disk of its own finds what another one left.
    /// </summary>
    public string PidDirectory(string projectId) =>
        ProjectIds.IsValid(projectId)
            ? Path.Combine(PidFilesRoot, projectId)
            : throw new ArgumentException($"'{projectId}' is not a project id.", nameof(projectId));

    public string AppDirectory(string projectId) => Path.Combine(ProjectDirectory(projectId), AppDirectoryName);

    public string SessionDirectory(string projectId) => Path.Combine(ProjectDirectory(projectId), SessionDirectoryName);

    public string LogsDirectory(string projectId) => Path.Combine(ProjectDirectory(projectId), LogsDirectoryName);

    /// <summary>
    /// The screenshots of the app's pages, a directory per version: beside the app, never in it, so never in a version,
    /// a diff or a download.
    /// </summary>
    public string ScreenshotsDirectory(string projectId) => Path.Combine(ProjectDirectory(projectId), ScreenshotsDirectoryName);

    /// <summary>The screenshots kept for one version, named by its number.</summary>
    public string ScreenshotsDirectory(string projectId, int version) =>
        Path.Combine(ScreenshotsDirectory(projectId), version.ToString(CultureInfo.InvariantCulture));

    /// <summary>The published site: its releases and which one is served. Beside the app, never in it.</summary>
    public string SiteDirectory(string projectId) => Path.Combine(ProjectDirectory(projectId), SiteDirectoryName);

    /// <summary>The record of the release a published site serves; it exists exactly while the project is published.</summary>
    public string ActiveSiteRecord(string projectId) => Path.Combine(SiteDirectory(projectId), "active.json");

    /// <summary>Whether the project's app is published (a site is served for it).</summary>
    public bool IsPublished(string projectId) => File.Exists(ActiveSiteRecord(projectId));

    /// <summary>Where the app's history is pushed (remote, branch, the sealed token, the last push). Beside the app, never in it.</summary>
    public string GitSettingsFile(string projectId) => Path.Combine(ProjectDirectory(projectId), "git.json");

    /// <summary>The content hashes of the files a scaffold produced: agent state, kept with the session (never in the app, so never in a download).</summary>
    public string ScaffoldManifest(string projectId) => Path.Combine(SessionDirectory(projectId), "scaffold-files.json");

    /// <summary>Where an imported app came from (a zip's name), written once at its import: agent state, kept with the session.</summary>
    public string ImportRecord(string projectId) => Path.Combine(SessionDirectory(projectId), "imported-from.txt");

    /// <summary>Creates the project's directories; idempotent.</summary>
    public void Create(string projectId)
    {
        Directory.CreateDirectory(AppDirectory(projectId));
        Directory.CreateDirectory(SessionDirectory(projectId));
        Directory.CreateDirectory(LogsDirectory(projectId));
    }

    public void Delete(string projectId)
    {
        var directory = ProjectDirectory(projectId);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
