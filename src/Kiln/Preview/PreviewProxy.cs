using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>
/// Answers every request to a preview origin, picking who serves it: the project's running dev server
/// (<see cref="DevServerForwarder"/>), Kiln itself from disk when no server runs or none is needed
/// (<see cref="PreviewFileServer"/>), or a dev server started because someone opened the preview
/// (<see cref="StartOnVisit"/>).
/// </summary>
public sealed class PreviewProxy(
    PreviewOrigin origin,
    DevServerSupervisor supervisor,
    IProjectStore store,
    ProjectWorkspace workspace,
    PreviewErrorEndpoint errorEndpoint,
    DevServerForwarder forwarder,
    PreviewFileServer files,
    StartOnVisit startOnVisit,
    PreviewResponseHeaders headers,
    PreviewSelectScript selectScript)
{
    public async Task HandleAsync(HttpContext context)
    {
        headers.Apply(context);
        if (!origin.IsPreviewHost(context.Request.Host, out var projectId) || !ProjectIds.IsValid(projectId))
        {
            await PreviewPages.NotFoundAsync(context, projectId ?? context.Request.Host.Host);
            return;
        }

        // Kiln's own scripts (select-to-edit's, the error reporter) and the reporter's endpoint, whatever serves the app.
        if (PreviewSelectScript.Handles(context.Request.Path))
        {
            await selectScript.ServeAsync(context);
            return;
        }

        if (PreviewErrorEndpoint.Handles(context.Request.Path))
        {
            await errorEndpoint.HandleAsync(context, projectId);
            return;
        }

        // Answered as the static file server answers a refused path (PreviewFileServer), whoever serves the app.
        if (PreviewPaths.IsFileSystemAccess(context.Request.Path))
        {
            await TypedResults.Problem(
                title: "Path refused",
                detail: "The preview serves the app's own files: /@fs/ reaches files anywhere on the machine, and is refused.",
                statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }

        if (PreviewPaths.LeavesApp(context.Request.Path, workspace.AppDirectory(projectId)) is { } refusal)
        {
            await TypedResults.Problem(title: "Path refused", detail: refusal, statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        // The common case first, with no project lookup: the server runs. Its public/ files Kiln serves itself.
        if (supervisor.RunningPort(projectId) is { } running)
        {
            if (files.VitePublicFile(projectId, context.Request) is { } file)
            {
                using var lease = supervisor.BeginRequest(projectId);
                await files.ServeFileAsync(context, file);
            }
            else
            {
                await forwarder.ForwardAsync(context, projectId, running);
            }

            return;
        }

        if (await store.GetAsync(projectId, context.RequestAborted) is null)
        {
            await PreviewPages.NotFoundAsync(context, projectId);
            return;
        }

        var source = PreviewSource.Detect(workspace.AppDirectory(projectId));
        if (source.DevServer is null)
        {
            if ((source.StaticRoot ?? source.BuildRoot) is { } root)
            {
                await files.ServeAsync(context, root, singlePageApp: root == source.BuildRoot);
            }
            else
            {
                await PreviewPages.NothingYetAsync(context, source.Problem!);
            }

            return;
        }

        if (files.IsBuildCurrent(projectId, source))
        {
            await files.ServeAsync(context, source.BuildRoot!, singlePageApp: true);
            return;
        }

        if (source.CannotRunReason() is { } reason)
        {
            await PreviewPages.NothingYetAsync(context, reason);
            return;
        }

        await startOnVisit.HandleAsync(context, projectId, source.DevServer);
    }
}
