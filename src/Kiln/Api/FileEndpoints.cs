using Kiln.Projects;
using Kiln.Preview;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

public static class FileEndpoints
{
    public static RouteGroupBuilder MapProjectFiles(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects/{projectId}/files").WithTags(ApiTags.Files).RequiresProjectOwner();

        group.MapGet("/", ListAsync)
            .WithName("ListFiles")
            .WithSummary("The app's files: path, size and time modified (no node_modules)");
        group.MapGet("/{**path}", GetAsync)
            .WithName("GetFile")
            .WithSummary("One file of the app, raw, with its content type")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream");
        return group;
    }

    private static async Task<Results<Ok<List<FileEntry>>, NotFoundProblem>> ListAsync(
        string projectId, IProjectStore store, ProjectWorkspace workspace, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        var app = new AppDirectory(workspace.AppDirectory(projectId));
        var files = Directory.Exists(app.Root)
            ? AppFileTree.Walk(app.Root)
                .OfType<FileInfo>()
                .Select(file => new FileEntry(app.Relative(file.FullName), file.Length, file.LastWriteTimeUtc))
                .OrderBy(file => file.Path, StringComparer.Ordinal)
                .ToList()
            : [];
        return TypedResults.Ok(files);
    }

    private static async Task<Results<PhysicalFileHttpResult, BadRequestProblem, NotFoundProblem>> GetAsync(
        string projectId, string path, HttpResponse response, IProjectStore store, ProjectWorkspace workspace, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        // The app changes while it is generated: a client asks again each time (cheaply, with its ETag).
        response.Headers.CacheControl = "no-cache";
        // The app's files are the model's (or anyone's) code, served on Kiln's own origin: a browser that opens one
        // (the UI's "Raw" view) must never run it there, where it could drive the API. Sandboxed, the page has an
        // opaque origin and no scripts; nosniff keeps a browser from reading a .txt as HTML.
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'";
        response.Headers.XContentTypeOptions = "nosniff";
        return Serve(new AppDirectory(workspace.AppDirectory(projectId)), path);
    }

    /// <summary>Serves a file of an app, confined to its directory, as the preview does.</summary>
    private static Results<PhysicalFileHttpResult, BadRequestProblem, NotFoundProblem> Serve(AppDirectory app, string path) =>
        AppFiles.Find(app, path, fallbackToIndex: false) switch
        {
            AppFileLookup.Found file => file.ToResult(),
            AppFileLookup.Refused refused => Problems.BadRequest("Path refused", refused.Reason),
            _ => Problems.FileNotFound(path),
        };
}
