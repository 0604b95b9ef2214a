using Kiln.Projects;
using Kiln.Tools;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

public static class PreviewEndpoints
{
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
        return FileEndpoints.Serve(new AppDirectory(workspace.AppDirectory(projectId)), path, fallbackToIndex: true) switch
        {
            { Result: PhysicalFileHttpResult file } => file,
            { Result: ProblemHttpResult problem } => problem,
            var other => throw new InvalidOperationException($"Unexpected result {other.Result}."),
        };
    }
}
