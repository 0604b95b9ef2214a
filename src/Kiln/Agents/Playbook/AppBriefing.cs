using System.Text;
using System.Text.Json;
using Kiln.Preview;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>
/// The part of the system prompt that describes the app as it is when a prompt arrives: its files, its package.json,
/// its preview and the errors it has shown. A model that knows this does not scaffold over an app or reinstall what is
/// there, and starts a follow-up from what runs now rather than from what it remembers.
/// </summary>
public sealed class AppBriefing(ProjectWorkspace workspace, DevServerSupervisor devServers, PreviewErrors errors)
{
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
