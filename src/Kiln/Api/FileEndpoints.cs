using System.Globalization;
using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Tools;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Kiln.Api;

public static class FileEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapProjectFiles(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects/{projectId}/files").WithTags("Files").RequiresProjectOwner();

        group.MapGet("/", ListAsync).WithSummary("The app's files: path, size and time modified (no node_modules)");
        group.MapGet("/{**path}", GetAsync).WithSummary("One file of the app, raw, with its content type");
        return group;
    }

    private static async Task<Results<Ok<List<FileEntry>>, ProblemHttpResult>> ListAsync(
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

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> GetAsync(
        string projectId, string path, HttpResponse response, IProjectStore store, ProjectWorkspace workspace, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        // The app changes while it is generated: a client asks again each time (cheaply, with its ETag).
        response.Headers.CacheControl = "no-cache";
        return Serve(new AppDirectory(workspace.AppDirectory(projectId)), path, fallbackToIndex: false);
    }

    /// <summary>Serves a file of an app, confined to its directory, as the file API and the preview do.</summary>
    internal static Results<PhysicalFileHttpResult, ProblemHttpResult> Serve(AppDirectory app, string? path, bool fallbackToIndex)
    {
        string full;
        try
        {
            full = app.Resolve(path, allowRoot: fallbackToIndex);
        }
        catch (PathRefusedException exception)
        {
            return Problems.BadRequest("Path refused", exception.Message);
        }

        if (fallbackToIndex && Directory.Exists(full))
        {
            full = Path.Combine(full, "index.html");
        }

        var segments = app.Relative(full).Split('/');
        if (!File.Exists(full) || segments.Any(AppDirectory.IsHiddenName))
        {
            return Problems.FileNotFound(path ?? "");
        }

        var contentType = ContentTypes.TryGetContentType(full, out var known) ? known : "application/octet-stream";
        if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/javascript" or "application/json")
        {
            contentType += "; charset=utf-8";
        }

        // The ETag names the exact write (size and time to the tick): Last-Modified alone has whole seconds, and two
        // writes an agent makes within one second would otherwise answer a revalidation with 304 and the old bytes.
        var file = new FileInfo(full);
        var tag = new EntityTagHeaderValue(string.Create(CultureInfo.InvariantCulture, $"\"{file.Length:x}-{file.LastWriteTimeUtc.Ticks:x}\""));
        return TypedResults.PhysicalFile(full, contentType, enableRangeProcessing: true, lastModified: file.LastWriteTimeUtc, entityTag: tag);
    }
}
