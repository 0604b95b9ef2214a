using System.ComponentModel;
using System.Globalization;
using System.Text;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>The preview tools: run the app's dev server, say where the preview is, and how its server is doing.</summary>
[McpServerToolType]
public sealed class PreviewTools(
    ToolContext context, DevServerSupervisor devServers, PreviewOrigin origin, IProjectStore store, DependencyInstaller installer)
{
    [McpServerTool(Name = "start_dev_server", Idempotent = true)]
    [Description("Starts the app's dev server (the \"dev\" script of package.json: Vite, Next.js, ...) in the sandbox, bound to 127.0.0.1 on a port Kiln chooses, and waits until it answers. Returns the preview URL. If it fails, the result holds the server's last output lines: fix the code and call it again. A plain HTML app (index.html, no package.json) needs no server; its files are served as they are. It installs the dependencies first when the app has none (no node_modules).")]
    public async Task<string> StartDevServer(CancellationToken cancellationToken)
    {
        var source = PreviewSource.Detect(context.App.Root);
        var url = origin.UrlFor(context.ProjectId).ToString();
        if (source.DevServer is null)
        {
            if (source.IsEmpty)
            {
                throw new McpException(source.Problem!);
            }

            await RecordPreviewUrlAsync(url, cancellationToken);
            await context.Events.AppendAsync(context.ProjectId, new PreviewReady(url), cancellationToken);
            return source.StaticRoot is not null
                ? $"This app has no package.json dev script, so no dev server process is needed: its static files are served directly at {url}. Changes show on the next page load."
                : $"This app has no dev script; its build ({PreviewSource.BuildDirectoryName}/) is served as static files at {url}.";
        }

        var installed = "";
        if (source.CannotRunReason() is not null)
        {
            // A package.json without node_modules (a scaffold cut short, an install forgotten): installing is the only
            // way forward, so it happens here instead of a refusal that sends the model round.
            var install = await installer.InstallAsync(context, [], dev: false, cancellationToken);
            if (!install.Succeeded)
            {
                throw new McpException("The app's dependencies were not installed, and installing them failed, so the dev server cannot start. " + install.Report);
            }

            installed = "The app's dependencies were not installed, so Kiln installed them first. ";
        }

        var outcome = await devServers.EnsureRunningAsync(context.ProjectId, source.DevServer, explicitStart: true, cancellationToken);
        if (!outcome.Ready)
        {
            var message = new StringBuilder(outcome.Failure);
            if (outcome.LastOutput.Count > 0)
            {
                message.Append("\n\nLast output of the dev server:\n").AppendJoin('\n', outcome.LastOutput);
            }

            message.Append("\n\nFix the cause, then call start_dev_server again.");
            throw new McpException(message.ToString());
        }

        await RecordPreviewUrlAsync(url, cancellationToken);
        return installed + (outcome.AlreadyRunning
            ? $"The dev server is already running ({outcome.Command}, port {outcome.Port}) and picks up file changes by itself. Preview: {url}"
            : $"The dev server is running ({outcome.Command}, port {outcome.Port}). Preview: {url}");
    }

    [McpServerTool(Name = "generate_preview_url", ReadOnly = true, Idempotent = true)]
    [Description("Returns the URL where the user sees the app: its own origin, served by Kiln. A stopped dev server starts again when the URL is visited.")]
    public async Task<string> GeneratePreviewUrl(CancellationToken cancellationToken)
    {
        var source = PreviewSource.Detect(context.App.Root);
        if (source.IsEmpty)
        {
            throw new McpException(source.Problem!);
        }

        var url = origin.UrlFor(context.ProjectId).ToString();
        await RecordPreviewUrlAsync(url, cancellationToken);
        return url;
    }

    [McpServerTool(Name = "check_server_status", ReadOnly = true, Idempotent = true)]
    [Description("Reports the app's dev server: running, starting, stopped or crashed; its port, command and uptime; restarts; and its last errors and output lines.")]
    public string CheckServerStatus()
    {
        var status = devServers.Status(context.ProjectId);
        var text = new StringBuilder()
            .Append("Dev server: ").Append(status.State.ToString().ToLowerInvariant()).Append('\n');
        if (status.Port is { } port)
        {
            text.Append(CultureInfo.InvariantCulture, $"Port: {port}\n");
        }

        if (status.Command is { } command)
        {
            text.Append("Command: ").Append(command).Append('\n');
        }

        if (status.Uptime is { } uptime)
        {
            text.Append(CultureInfo.InvariantCulture, $"Uptime: {uptime.TotalSeconds:0} seconds\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Restarts after a crash: {status.Restarts}\n");
        if (status.LastExitCode is { } exitCode)
        {
            text.Append(CultureInfo.InvariantCulture, $"Last exit code: {exitCode}\n");
        }

        text.Append("Preview: ").Append(origin.UrlFor(context.ProjectId)).Append('\n');
        if (status.State == DevServerState.Stopped && PreviewSource.Detect(context.App.Root).DevServer is null)
        {
            text.Append("This app needs no dev server: its static files are served as they are.\n");
        }

        AppendLines(text, "Last errors", status.LastErrors);
        AppendLines(text, "Last output", status.LastOutput);
        return text.ToString().TrimEnd();
    }

    private static void AppendLines(StringBuilder text, string heading, IReadOnlyList<string> lines)
    {
        if (lines.Count > 0)
        {
            text.Append('\n').Append(heading).Append(":\n").AppendJoin('\n', lines).Append('\n');
        }
    }

    private async Task RecordPreviewUrlAsync(string url, CancellationToken cancellationToken) =>
        await store.UpdateAsync(context.ProjectId, project => project.PreviewUrl == url ? project : project with { PreviewUrl = url }, cancellationToken);
}
