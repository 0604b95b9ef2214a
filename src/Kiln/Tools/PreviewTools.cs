using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>
/// The dev-server and preview tools. Until the live preview lands, an app is previewed as the static files of its
/// app directory; the dev-server tools say so instead of pretending to start one.
/// </summary>
[McpServerToolType]
public sealed class PreviewTools(ToolContext context)
{
    private string PreviewPath => $"/api/projects/{context.ProjectId}/preview/";

    private string NotAvailable =>
        "The dev server is not available yet: the live dev-server preview arrives in a later version of Kiln. " +
        $"The app's static files are served at {PreviewPath}; for an app with a build step, call build_project to check that it builds.";

    [McpServerTool(Name = "start_dev_server", Idempotent = true)]
    [Description("Starts the app's dev server (its package.json \"dev\" script) for a live preview. Not available yet in this version of Kiln: " +
                 "it answers with an error saying where the static preview is.")]
    public string StartDevServer() => throw new McpException(NotAvailable);

    [McpServerTool(Name = "check_server_status", ReadOnly = true, Idempotent = true)]
    [Description("Says whether the app's dev server is running and where its preview is. In this version of Kiln no dev server runs; " +
                 "the static files are previewed instead.")]
    public string CheckServerStatus() => $"No dev server is running. {NotAvailable}";

    [McpServerTool(Name = "generate_preview_url", ReadOnly = true, Idempotent = true)]
    [Description("Returns the URL path, on Kiln's own address, where the app can be previewed.")]
    public string GeneratePreviewUrl()
    {
        var index = File.Exists(Path.Combine(context.App.Root, "index.html"))
            ? "index.html is its start page."
            : "There is no index.html in the app directory yet, so the page is empty until there is one.";
        return $"{PreviewPath}\nIt serves the app directory's files as they are (no dev server, no build step). {index}";
    }
}
