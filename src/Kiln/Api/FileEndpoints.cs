using Kiln.Projects;
using Kiln.Preview;
using Kiln.Tools;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

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
            .WithDescription("The ETag is strong and names the content: send it back as If-Match when you PUT or DELETE the file.")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream");
        group.MapPut("/{**path}", PutAsync)
            .WithName("WriteFile")
            .WithSummary("Create or replace one file of the app by hand (the body is its raw content)")
            .WithDescription("Send If-Match with the ETag from GET so that a change made since (by the agent, or in another tab) is never overwritten: " +
                "412 when the file changed. If-None-Match: * creates the file only if it does not exist. The same path rules and limits as the agent's " +
                "tools apply; 409 while a generation runs. A running dev server picks the change up (Vite by HMR), and the edits of a few seconds " +
                "become one version with author 'you'. The next prompt tells the agent which files you changed.")
            .Accepts<string>("application/octet-stream", "text/plain")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapDelete("/{**path}", DeleteAsync)
            .WithName("DeleteFile")
            .WithSummary("Delete one file of the app by hand")
            .WithDescription("If-Match with the ETag from GET deletes it only if it has not changed since (412 otherwise). Becomes part of a version with author 'you', like an edit.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
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
        // A strong tag of the content, not of the write's time: what If-Match on a PUT compares, whoever wrote the file.
        return AppFiles.Find(new AppDirectory(workspace.AppDirectory(projectId)), path, fallbackToIndex: false) switch
        {
            AppFileLookup.Found file => (file with { ETag = new EntityTagHeaderValue(await ContentTag.OfFileAsync(file.FullPath, cancellationToken)) }).ToResult(),
            AppFileLookup.Refused refused => Problems.BadRequest("Path refused", refused.Reason),
            _ => Problems.FileNotFound(path),
        };
    }

    private static async Task<Results<Results<Ok<FileWritten>, Created<FileWritten>>, BadRequestProblem, NotFoundProblem, ConflictProblem, PreconditionFailedProblem, PayloadTooLargeProblem>> PutAsync(
        string projectId, string path, HttpRequest request, HttpResponse response, HandEdits edits, FileWriteRules rules, CancellationToken cancellationToken)
    {
        // One byte past the limit is enough to know the file is too big, whatever the client sends.
        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > rules.MaxFileBytes)
            {
                return FileProblems.TooLarge(
                    $"The body is more than {rules.MaxFileBytes} bytes, the most a file of the app may have (Kiln:Tools:MaxFileBytes). Split it into smaller modules.");
            }
        }

        return await edits.WriteAsync(projectId, path, body.ToArray(), PreconditionOf(request), cancellationToken) switch
        {
            HandEditOutcome.Written written => Tagged(response, projectId, written),
            HandEditOutcome.ProjectMissing => Problems.ProjectNotFound(projectId),
            HandEditOutcome.Busy => FileProblems.Busy(projectId),
            HandEditOutcome.Changed changed => FileProblems.Changed(projectId, path, changed.CurrentTag),
            HandEditOutcome.Refused { Limit: FileWriteRefusal.TooLarge } refused => FileProblems.TooLarge(refused.Reason),
            HandEditOutcome.Refused { Limit: FileWriteRefusal.NoRoom } refused => FileProblems.NoRoom(refused.Reason),
            HandEditOutcome.Refused refused => FileProblems.PathRefused(refused.Reason),
            var other => throw new InvalidOperationException($"A write cannot end as {other}."),
        };
    }

    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> DeleteAsync(
        string projectId, string path, HttpRequest request, HandEdits edits, CancellationToken cancellationToken) =>
        await edits.DeleteAsync(projectId, path, PreconditionOf(request), cancellationToken) switch
        {
            HandEditOutcome.Deleted => TypedResults.NoContent(),
            HandEditOutcome.ProjectMissing => Problems.ProjectNotFound(projectId),
            HandEditOutcome.FileMissing => Problems.FileNotFound(path),
            HandEditOutcome.Busy => FileProblems.Busy(projectId),
            HandEditOutcome.Changed changed => FileProblems.Changed(projectId, path, changed.CurrentTag),
            HandEditOutcome.Refused refused => FileProblems.PathRefused(refused.Reason),
            var other => throw new InvalidOperationException($"A delete cannot end as {other}."),
        };

    /// <summary>
    /// If-Match and If-None-Match: * as a precondition. A weak tag never matches (If-Match compares strongly), so a
    /// client that sends one is told the file changed rather than overwriting it.
    /// </summary>
    private static FilePrecondition PreconditionOf(HttpRequest request)
    {
        var headers = request.GetTypedHeaders();
        var ifMatch = headers.IfMatch.Select(tag => tag.Equals(EntityTagHeaderValue.Any) ? "*" : tag.IsWeak ? $"W/{tag.Tag}" : tag.Tag.ToString()).ToList();
        var mustBeAbsent = headers.IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any));
        return ifMatch.Count == 0 && !mustBeAbsent ? FilePrecondition.None : new FilePrecondition(ifMatch, mustBeAbsent);
    }

    /// <summary>200 for a replaced file, 201 for a new one; either with its new ETag, in the header and the body.</summary>
    private static Results<Ok<FileWritten>, Created<FileWritten>> Tagged(HttpResponse response, string projectId, HandEditOutcome.Written written)
    {
        response.Headers.ETag = written.ETag;
        var answer = new FileWritten(written.Path, written.Size, written.ETag);
        return written.Created ? TypedResults.Created(FileLocation(projectId, written.Path), answer) : TypedResults.Ok(answer);
    }

    private static string FileLocation(string projectId, string path) =>
        $"/api/projects/{Uri.EscapeDataString(projectId)}/files/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}";
}
