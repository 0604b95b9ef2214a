using Kiln.Preview;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

public static class PreviewEndpoints
{
    /// <summary>
    /// The page that frames a project's preview. The app itself is served on its own origin
    /// (<c>p-{id}.localhost:{port}</c>, see <see cref="PreviewOrigin"/>), never on the API's. Like the preview, the
    /// page needs no API token: the project's unguessable id is the capability, the way a shared preview link works.
    /// </summary>
    public static RouteGroupBuilder MapPreview(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects/{projectId}/preview").WithTags(ApiTags.Preview).AllowAnonymous();

        group.MapGet("/", FrameAsync)
            .WithName("GetPreviewPage")
            .WithSummary("A page that frames the app, served on its own preview origin")
            .Produces<string>(StatusCodes.Status200OK, "text/html");
        return group;
    }

    private static async Task<Results<ContentHttpResult, NotFoundProblem>> FrameAsync(
        string projectId, IProjectStore store, PreviewOrigin origin, HttpContext context, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        var url = origin.UrlFor(projectId);
        // The page frames its preview and nothing else; it runs no script of its own.
        context.Response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'unsafe-inline'; frame-src {url.GetLeftPart(UriPartial.Authority)}";
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(PreviewPages.Frame(projectId, url), "text/html; charset=utf-8");
    }
}
