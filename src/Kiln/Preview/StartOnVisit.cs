using Microsoft.Extensions.Options;

namespace Kiln.Preview;

/// <summary>
/// Opening the preview of an app whose dev server is not running (stopped when idle, evicted, never started, or
/// crashed) starts it. A page load waits a few seconds and then gets a page that reloads itself until the server
/// answers; other requests wait for the start. Only a page load retries a crashed server.
/// </summary>
public sealed class StartOnVisit(
    DevServerSupervisor supervisor,
    DevServerForwarder forwarder,
    IOptions<PreviewOptions> options,
    TimeProvider time)
{
    /// <summary>How long a page load waits for a starting server before it gets the page that reloads itself.</summary>
    private static readonly TimeSpan PageLoadWait = TimeSpan.FromSeconds(3);

    private readonly PreviewOptions _options = options.Value;

    /// <summary>Starts the project's dev server with <paramref name="script"/> and forwards the request once it answers.</summary>
    public async Task HandleAsync(HttpContext context, string projectId, DevServerScript script)
    {
        var pageLoad = PreviewRequest.IsPageLoad(context.Request);
        var crashed = supervisor.State(projectId) == DevServerState.Crashed;
        if (crashed && !pageLoad)
        {
            // Only a person reloading the page retries a crashed server; an HMR client's pings would loop forever.
            var status = supervisor.Status(projectId);
            await PreviewPages.FailedAsync(context, status.LastErrors is [.., var last] ? last : "The dev server crashed.", status.LastOutput);
            return;
        }

        DevServerOutcome outcome;
        try
        {
            outcome = await supervisor.EnsureRunningAsync(projectId, script, explicitStart: crashed, CancellationToken.None)
                .WaitAsync(pageLoad ? PageLoadWait : _options.StartTimeout, time, context.RequestAborted);
        }
        catch (TimeoutException)
        {
            await PreviewPages.StartingAsync(context);
            return;
        }

        if (outcome is { Ready: true, Port: { } port })
        {
            await forwarder.ForwardAsync(context, projectId, port);
        }
        else
        {
            await PreviewPages.FailedAsync(context, outcome.Failure ?? "The dev server did not start.", outcome.LastOutput);
        }
    }
}
