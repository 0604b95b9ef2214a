using System.Text;

namespace Kiln.Projects;

/// <summary>
/// The one place that turns Kiln's host paths into the form a person or a model sees: relative to the project's app
/// (<c>/tmp/claude-projects/{id}/generated-app/src/App.tsx</c> becomes <c>src/App.tsx</c>). Where projects live on the
/// host is Kiln's business; text that names it (a dev server's command line, a compiler's error, a tool's output) tells
/// a reader nothing they can use and tells a hostile one where to look. Events and tool results pass through here.
/// </summary>
public sealed class HostPaths(ProjectWorkspace workspace)
{
    private readonly string _root = Path.TrimEndingDirectorySeparator(workspace.Root);

    /// <summary>Whether <paramref name="text"/> names the projects root at all; most text does not, and is left as it is.</summary>
    public bool Mentions(string text) => text.Contains(_root, StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="text"/> with every path under the projects root made relative to <paramref name="projectId"/>'s
    /// app: inside the app a path loses its prefix (the app itself is <c>.</c>), the project's other directories are
    /// <c>../logs</c> and the like, and anything else under the root is <c>../..</c> and below.
    /// </summary>
    public string RelativeToApp(string projectId, string text)
    {
        if (!Mentions(text))
        {
            return text;
        }

        var builder = new StringBuilder(text);
        if (ProjectIds.IsValid(projectId))
        {
            var app = Path.TrimEndingDirectorySeparator(workspace.AppDirectory(projectId));
            var project = Path.TrimEndingDirectorySeparator(workspace.ProjectDirectory(projectId));
            builder.Replace(app + "/", "").Replace(app, ".").Replace(project + "/", "../").Replace(project, "..");
        }

        return builder.Replace(_root + "/", "../../").Replace(_root, "../..").ToString();
    }
}
