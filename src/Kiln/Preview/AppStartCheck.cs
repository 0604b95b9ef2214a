using Kiln.Events;
using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>
/// Whether a project's app runs when a generation ends, the way its preview would serve it. An app with a dev script
/// whose server does not run (no node_modules, a crash, a start that fails) is an open error of the app (source
/// <c>dev_server</c>), so the generation cannot end as if the app ran, and "Fix it" and auto-fix send it back to the
/// agent. Static files and a current build need no server and pass as they are.
/// </summary>
public sealed class AppStartCheck(DevServerSupervisor devServers, ProjectWorkspace workspace, PreviewErrors errors)
{
    /// <summary>
    /// Null when the app runs or needs no server; otherwise the sentence that says why it does not, already reported as
    /// an open error. A server that is not running is started (and waited for, as a visit to the preview would). Cancelling, or Kiln
    /// stopping, leaves the question unanswered (null).
    /// </summary>
    public async Task<string?> CheckAsync(string projectId, CancellationToken cancellationToken)
    {
        var source = PreviewSource.Detect(workspace.AppDirectory(projectId));
        // As the preview serves it: a running server first, else a build as new as the code, else the server started.
        if (source.DevServer is not { } script || devServers.State(projectId) == DevServerState.Running || source.BuildIsCurrent())
        {
            return null;
        }

        string what;
        IEnumerable<string> details;
        if (source.CannotRunReason() is { } reason)
        {
            (what, details) = ("its dependencies are not installed (there is no node_modules)", [reason]);
        }
        else
        {
            // A crashed server is started again, as a person reloading the preview would: the agent may have fixed
            // its cause since, and one that still crashes says so again.
            var crashed = devServers.State(projectId) == DevServerState.Crashed;
            DevServerOutcome outcome;
            try
            {
                outcome = await devServers.EnsureRunningAsync(projectId, script, explicitStart: crashed, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (ObjectDisposedException)
            {
                return null; // Kiln is stopping, and its dev servers with it
            }

            if (outcome.Ready)
            {
                return null;
            }

            (what, details) = ($"its dev server (\"{script.ScriptName}\": \"{script.Script}\") did not start", [outcome.Failure ?? "", .. outcome.LastOutput]);
        }

        // The message names no port or duration, so the same breakage keeps the same error id from one generation to the
        // next, and auto-fix sees it come back instead of a new error each time.
        var message = $"The app does not start: {what}.";
        await errors.ReportAsync(projectId, new PreviewErrorReport(
            PreviewErrorSource.DevServer, message, Stack: string.Join('\n', details.Where(line => line.Length > 0))), CancellationToken.None);
        return message;
    }
}
