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
            .WithSummary("Make a new project from an existing app: a zip of its folder")
            .WithDescription("Send the zip as multipart/form-data in the field 'file'. It is unpacked with every name checked (no path out of the app, " +
                "no links, none of Kiln's own folders; node_modules and .git are left out, a single top-level folder is dropped) and within " +
                "Kiln:Import's limits; a refusal names the entry and the rule and leaves nothing behind. Returns 202 at once: the app becomes " +
                "version 1, \"imported\", then its dependencies are installed and its dev server started; the project is ready when the app runs.")
            .Accepts<ImportForm>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return group;
    }

    private static async Task<Results<Accepted<GenerateResponse>, BadRequestProblem, ConflictProblem, ProblemHttpResult>> ImportAsync(
        HttpRequest request, ImportIntake intake, ZipImport zips, IOptions<ImportOptions> options, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return TypedResults.Problem(
                title: "Send the app as a zip in a form",
                detail: "POST /api/import takes multipart/form-data with the zip in the field 'file' (curl -F file=@app.zip).",
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
        return await intake.ImportZipAsync(spool, fileName, cancellationToken) switch
        {
            ImportOutcome.Accepted accepted => GenerateEndpoints.Accepted(accepted.ProjectId),
            ImportOutcome.QuotaReached quota => Problems.ProjectQuotaReached(quota.MaxProjects),
            ImportOutcome.Refused refused => Refusal(refused),
            var outcome => throw new InvalidOperationException($"Unknown import outcome {outcome}."),
        };
    }

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

/// <summary>The form <c>POST /api/import</c> takes: the app's zip in <c>file</c>.</summary>
public sealed record ImportForm(IFormFile File);
