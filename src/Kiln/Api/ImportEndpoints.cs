using Kiln.Agents;
using Kiln.Versions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Kiln.Api;

public static class ImportEndpoints
{
    public static RouteGroupBuilder MapImport(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").WithTags(ApiTags.Import);
        group.MapPost("/import", ImportAsync)
            .WithName("ImportApp")
            .WithSummary("Make a new project from an existing app: a zip of its folder, or a git repository")
            .WithDescription("Send the zip as multipart/form-data in the field 'file'. It is unpacked with every name checked (no path out of the app, " +
                "no links, none of Kiln's own folders; node_modules and .git are left out, a single top-level folder is dropped) and within " +
                "Kiln:Import's limits; a refusal names the entry and the rule and leaves nothing behind. Returns 202 at once: the app becomes " +
                "version 1, \"imported\", then its dependencies are installed and its dev server started; the project is ready when the app runs. " +
                "Or send JSON {gitUrl, branch?, token?}: an https:// repository (http:// only with Kiln:Git:AllowInsecureRemotes; file://, ext:: and local paths are refused) " +
                "whose branch is fetched one commit deep, with no submodules, and checked as a zip is.")
            // One Accepts for both bodies: each call replaces the last, and routing refuses any other content type.
            .Accepts<ImportRequest>("application/json", "multipart/form-data")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return group;
    }

    private static async Task<Results<Accepted<GenerateResponse>, BadRequestProblem, ConflictProblem, ProblemHttpResult>> ImportAsync(
        HttpRequest request, ImportIntake intake, ZipImport zips, IOptions<ImportOptions> options, CancellationToken cancellationToken)
    {
        if (request.HasJsonContentType())
        {
            if (GenerateEndpoints.UnknownCharset(request) is { } charset)
            {
                return TypedResults.Problem(
                    title: "Send JSON as UTF-8",
                    detail: $"The Content-Type names the charset '{charset}', which Kiln cannot decode. Send the body as UTF-8 (Content-Type: application/json).",
                    statusCode: StatusCodes.Status415UnsupportedMediaType);
            }

            ImportRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<ImportRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException exception)
            {
                return Problems.BadRequest("The request could not be read", $"The body is not valid JSON for this request: {exception.Message}");
            }

            return body?.GitUrl is null
                ? Problems.BadRequest("Name the repository", "Send {\"gitUrl\": \"https://github.com/you/app.git\", \"branch\": \"main\", \"token\": \"…\"} (branch and token optional), or the zip as multipart/form-data in 'file'.")
                : Answer(await intake.ImportGitAsync(body.GitUrl, body.Branch, body.Token, cancellationToken));
        }

        if (!request.HasFormContentType)
        {
            return TypedResults.Problem(
                title: "Send the app as a zip in a form, or a git URL as JSON",
                detail: "POST /api/import takes multipart/form-data with the zip in the field 'file' (curl -F file=@app.zip), or application/json {\"gitUrl\": \"https://…\"}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var limit = options.Value.MaxUploadBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            // This endpoint's own body limit, above the API's 1 MiB: the zip at its largest, and the form around it.
            bodyLimit.MaxRequestBodySize = limit + ApiServiceCollectionExtensions.MaxRequestBodyBytes;
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return Problems.BadRequest("The form could not be read", "Send multipart/form-data with a boundary (browsers' FormData and curl -F do this).");
        }

        // The zip is spooled to a file, counted as it comes, since reading a zip needs to seek (its directory is at the end).
        Directory.CreateDirectory(zips.ScratchRoot);
        await using var spool = new FileStream(
            Path.Combine(zips.ScratchRoot, Guid.NewGuid().ToString("N") + ".zip"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
            bufferSize: 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        string? fileName = null;
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 16 };
        try
        {
            for (var section = await reader.ReadNextSectionAsync(cancellationToken); section is not null; section = await reader.ReadNextSectionAsync(cancellationToken))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file" || fileName is not null)
                {
                    return Problems.BadRequest("Unexpected form field", "The form has one field, 'file', holding the app's zip.");
                }

                fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                if (!await CopyUpToAsync(section.Body, spool, limit, cancellationToken))
                {
                    return TypedResults.Problem(
                        title: "The zip is too large",
                        detail: $"The upload is larger than {limit} bytes, the most Kiln accepts (Kiln:Import:MaxUploadBytes). Leave out node_modules and build output, or raise the limit.",
                        statusCode: StatusCodes.Status413PayloadTooLarge);
                }
            }
        }
        catch (InvalidDataException exception)
        {
            return Problems.BadRequest("The form could not be read", $"The multipart body is malformed: {exception.Message}");
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            return Problems.BadRequest("The form could not be read", "The multipart body ended before its closing boundary; send the whole form.");
        }

        if (fileName is null || spool.Length == 0)
        {
            return Problems.BadRequest("No zip was sent", "Put the app's zip in the form field 'file' (curl -F file=@app.zip).");
        }

        spool.Position = 0;
        return Answer(await intake.ImportZipAsync(spool, fileName, cancellationToken));
    }

    private static Results<Accepted<GenerateResponse>, BadRequestProblem, ConflictProblem, ProblemHttpResult> Answer(ImportOutcome outcome) =>
        outcome switch
        {
            ImportOutcome.Accepted accepted => GenerateEndpoints.Accepted(accepted.ProjectId),
            ImportOutcome.QuotaReached quota => Problems.ProjectQuotaReached(quota.MaxProjects),
            ImportOutcome.Refused refused => Refusal(refused),
            _ => throw new InvalidOperationException($"Unknown import outcome {outcome}."),
        };

    private static ProblemHttpResult Refusal(ImportOutcome.Refused refused) => TypedResults.Problem(
        title: refused.TooLarge ? "The zip is over an import limit" : "The zip cannot be imported",
        detail: refused.Entry is null ? refused.Rule : $"Entry '{refused.Entry}': {refused.Rule} Nothing was imported.",
        statusCode: refused.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["entry"] = refused.Entry, ["rule"] = refused.Rule });

    // False when the stream holds more than max bytes.
    private static async Task<bool> CopyUpToAsync(Stream source, Stream target, long max, CancellationToken cancellationToken)
    {
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            total += read;
            if (total > max)
            {
                return false;
            }

            await target.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
        }

        return true;
    }
}

/// <summary>
/// <c>POST /api/import</c> from git: an https:// repository URL, the branch (its default one when null) and a token for a
/// private repository, passed to git for this fetch only and never kept.
/// </summary>
public sealed record ImportRequest(string? GitUrl, string? Branch = null, string? Token = null);
