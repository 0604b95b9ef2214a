using Kiln.Projects;
using Kiln.Tools;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

public static class PreviewEndpoints
{
    /// <summary>What a preview may do: everything an app needs but being same-origin with Kiln.</summary>
    public const string PreviewSandbox = "sandbox allow-scripts allow-forms allow-modals allow-popups allow-downloads";

    /// <summary>
    /// Serves the generated app's static files. The preview is reachable without the API token: its URL holds
    /// the project's unguessable id, the way a shared preview link works, so a browser frame can load it.
    /// </summary>
    public static RouteGroupBuilder MapPreview(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects/{projectId}/preview").WithTags("Preview").AllowAnonymous();

        group.MapGet("/{**path}", ServeAsync).WithSummary("The generated app, served as static files");
        return group;
    }

    private static async Task<Results<PhysicalFileHttpResult, RedirectHttpResult, ProblemHttpResult>> ServeAsync(
        string projectId, string? path, IProjectStore store, ProjectWorkspace workspace, HttpContext context, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        // Relative links in the app (styles.css, app.js) resolve against the preview root's trailing slash.
        if (string.IsNullOrEmpty(path) && !context.Request.Path.Value!.EndsWith('/'))
        {
            return TypedResults.Redirect($"/api/projects/{projectId}/preview/");
        }

        // The app changes while it is generated: a browser must always ask again.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        // Until previews have their own origin (DESIGN.md 6.5), the app runs in an opaque one, framed or not, so
        // its scripts can't use the API (or a stored token) as the page's origin. Its own files stay loadable
        // from there: module scripts and fetches are CORS requests from origin "null".
        context.Response.Headers.ContentSecurityPolicy = PreviewSandbox;
        context.Response.Headers.AccessControlAllowOrigin = "*";
        return FileEndpoints.Serve(new AppDirectory(workspace.AppDirectory(projectId)), path, fallbackToIndex: true) switch
        {
            { Result: PhysicalFileHttpResult file } => file,
            { Result: ProblemHttpResult problem } => problem,
            var other => throw new InvalidOperationException($"Unexpected result {other.Result}."),
        };
    }
}
