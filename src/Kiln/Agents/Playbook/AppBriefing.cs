using System.Text;
using System.Text.Json;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Versions;

namespace Kiln.Agents;

/// <summary>
/// The part of the system prompt that describes the app as it is when a prompt arrives: its files, its package.json,
/// its preview and the errors it has shown. A model that knows this does not scaffold over an app or reinstall what is
/// there, and starts a follow-up from what runs now rather than from what it remembers.
/// </summary>
public sealed class AppBriefing(ProjectWorkspace workspace, DevServerSupervisor devServers, PreviewErrors errors, VersionHistory versions)
{
    /// <summary>Most hand-edited files named; more are counted.</summary>
    public const int MaxHandEditedFiles = 30;

    /// <summary>Most files listed; a bigger app is summarised past this.</summary>
    public const int MaxListedFiles = 150;

    /// <summary>Most open errors described.</summary>
    public const int MaxErrors = 8;

    /// <summary>Directories that hold output, not the app's sources.</summary>
    private static readonly HashSet<string> OutputDirectories = new(StringComparer.Ordinal) { "dist", "build", ".next", "out", ".vite", "coverage" };

    public string Describe(string projectId)
    {
        var root = workspace.AppDirectory(projectId);
        var text = new StringBuilder("# The app now\n\n");
        var files = Directory.Exists(root) ? ListFiles(root) : [];
        if (files.Count == 0)
        {
            text.Append("The app directory is empty: this is a new app. Start by scaffolding it.\n");
            return text.ToString();
        }

        text.Append("Files (node_modules, .git and build output left out):\n");
        foreach (var file in files.Take(MaxListedFiles))
        {
            text.Append("- ").Append(file).Append('\n');
        }

        if (files.Count > MaxListedFiles)
        {
            text.Append("- … and ").Append(files.Count - MaxListedFiles).Append(" more (use list_directory)\n");
        }

        DescribePackage(root, text);
        DescribePreview(projectId, text);
        DescribeErrors(projectId, text);
        text.Append(ImportedAppBriefing.Describe(root, workspace.ImportRecord(projectId)));
        return text.ToString();
    }

    /// <summary>
    /// The files the person changed by hand since the agent's last version, as a section of its own (empty when there are
    /// none): the agent reads them before it edits them and keeps those changes, instead of writing back what it remembers.
    /// </summary>
    public async Task<string> DescribeHandEditsAsync(string projectId, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> edited;
        try
        {
            edited = await versions.EditedByPersonAsync(projectId, cancellationToken);
        }
        catch (Exception exception) when (exception is VersionHistoryException or IOException or SandboxUnavailableException)
        {
            return ""; // Without a history there is nothing to tell; the files themselves are what the agent reads.
        }

        if (edited.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder("\n# Changed by the person\n\nSince your last turn the person edited these files by hand (added, changed or deleted). ")
            .Append("Their changes are intended: read a file again before you edit it, build on what it holds now, and do not undo or overwrite those changes unless this prompt asks for it.\n");
        foreach (var path in edited.Take(MaxHandEditedFiles))
        {
            text.Append("- ").Append(path).Append('\n');
        }

        if (edited.Count > MaxHandEditedFiles)
        {
            text.Append("- … and ").Append(edited.Count - MaxHandEditedFiles).Append(" more\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The section a plan prompt adds: the agent has only the tools that read, and answers with a plan the person can send
    /// back to build.
    /// </summary>
    public static string DescribePlanMode() =>
        "\n# Plan mode\n\nThis prompt asks for a plan, not a change. You have only the tools that read: look at what you need, " +
        "then answer with a plan: what you would change and why, file by file, in the order you would do it, and anything the person " +
        "should decide first. Change nothing (you cannot), and write no whole files into the answer. The person sends the plan back to build it.\n";

    private static List<string> ListFiles(string root) =>
        [.. AppFileTree.Walk(root)
            .OfType<FileInfo>()
            .Select(file => Path.GetRelativePath(root, file.FullName).Replace('\\', '/'))
            .Where(path => !OutputDirectories.Contains(path.Split('/')[0]))];

    private static void DescribePackage(string root, StringBuilder text)
    {
        var manifest = Path.Combine(root, "package.json");
        if (!File.Exists(manifest))
        {
            return;
        }

        text.Append("\npackage.json:\n");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(manifest));
            foreach (var section in (string[])["scripts", "dependencies", "devDependencies"])
            {
                if (document.RootElement.TryGetProperty(section, out var entries) && entries.ValueKind == JsonValueKind.Object)
                {
                    var listed = string.Join(", ", entries.EnumerateObject().Select(entry => $"{entry.Name} {entry.Value}"));
                    text.Append("- ").Append(section).Append(": ").Append(listed.Length == 0 ? "(none)" : listed).Append('\n');
                }
            }
        }
        catch (JsonException exception)
        {
            text.Append("- it is not valid JSON (").Append(exception.Message).Append("): fix it first.\n");
        }

        var installed = Directory.Exists(Path.Combine(root, ProtectedDirectories.ModulesDirectory));
        text.Append("- dependencies are ").Append(installed ? "installed" : "not installed yet (install_dependencies)").Append('\n');
    }

    private void DescribePreview(string projectId, StringBuilder text)
    {
        var status = devServers.Status(projectId);
        text.Append("\nPreview: the dev server is ").Append(status.State switch
        {
            DevServerState.Running => "running; Vite reloads what you change, so there is no need to start it again",
            DevServerState.Starting => "starting",
            DevServerState.Crashed => $"crashed (exit code {status.LastExitCode?.ToString() ?? "unknown"}); fix the cause and call start_dev_server",
            _ => "stopped; call start_dev_server after your changes",
        }).Append(".\n");
    }

    private void DescribeErrors(string projectId, StringBuilder text)
    {
        var open = errors.Open(projectId);
        if (open.Count == 0)
        {
            return;
        }

        text.Append("\nErrors the app has shown since the last prompt (fix them if this prompt touches them):\n");
        foreach (var error in open.Take(MaxErrors))
        {
            text.Append("- [").Append(error.Source.ToString()).Append("] ").Append(error.Message.ReplaceLineEndings(" "));
            if (error.Place is { } place)
            {
                text.Append(" at ").Append(place);
            }

            text.Append('\n');
        }
    }
}
