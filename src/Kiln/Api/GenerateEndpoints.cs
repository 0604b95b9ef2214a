using System.Text.Json;
using Kiln.Agents;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Kiln.Api;

public static class GenerateEndpoints
{
    public static RouteGroupBuilder MapGenerate(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").WithTags(ApiTags.Generate);
        // One endpoint for both bodies, chosen here by Content-Type: two endpoints on one route were ambiguous to the
        // router for a request without a Content-Type, which then answered 500.
        group.MapPost("/generate", GenerateAsync)
            .WithName("Generate")
            .WithSummary("Start a project from a prompt, or send a follow-up prompt to one")
            .WithDescription("Returns 202 at once; follow the generation on the WebSocket or the SSE stream in the response's links. " +
                "To attach files, send the same fields as multipart/form-data with the files in 'files': images (png, jpeg, gif, webp) reach the model as images, " +
                "text files (txt, md, json, csv, svg, html, css, js, ts) are placed in the app under public/uploads/.")
            // The form takes the same fields, plus files (described above).
            .Accepts<GenerateRequest>("application/json", "multipart/form-data")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequiresProjectOwner(projectIdInBody: true);
        return group;
    }

    private static async Task<Results<Accepted<GenerateResponse>, ValidationProblem, NotFoundProblem, ConflictProblem, BadRequestProblem, ProblemHttpResult>> GenerateAsync(
        HttpRequest request,
        GenerationIntake intake,
        IOptions<AttachmentsOptions> attachmentOptions,
        CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var (form, problem) = await AttachmentForm.ReadAsync(request, attachmentOptions.Value, cancellationToken);
            return form is null ? problem! : Answer(await intake.AcceptAsync(form.Prompt, form.ProjectId, form.Files, form.MaxBudgetUsd, form.Model, form.Mode, cancellationToken));
        }

        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(
                title: "Send JSON with Content-Type: application/json",
                detail: "POST /api/generate takes {\"prompt\": \"...\", \"projectId\": \"...\"} as application/json, or the same fields as multipart/form-data with files.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        if (UnknownCharset(request) is { } charset)
        {
            return TypedResults.Problem(
                title: "Send JSON as UTF-8",
                detail: $"The Content-Type names the charset '{charset}', which Kiln cannot decode. Send the body as UTF-8 (Content-Type: application/json).",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        GenerateRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<GenerateRequest>(cancellationToken);
        }
        catch (JsonException exception)
        {
            return Problems.BadRequest("The request could not be read", $"The body is not valid JSON for this request: {exception.Message}");
        }

        return body is null
            ? Problems.BadRequest("The request could not be read", "The body is JSON null; send {\"prompt\": \"...\"}.")
            : Answer(await intake.AcceptAsync(body.Prompt, body.ProjectId, [], body.MaxBudgetUsd, body.Model, body.Mode, cancellationToken));
    }

    private static Results<Accepted<GenerateResponse>, ValidationProblem, NotFoundProblem, ConflictProblem, BadRequestProblem, ProblemHttpResult> Answer(IntakeOutcome outcome) => outcome switch
    {
        IntakeOutcome.Accepted accepted => Accepted(accepted.ProjectId),
        IntakeOutcome.Invalid invalid => TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [invalid.Field] = [invalid.Detail] }, detail: invalid.Detail, title: invalid.Title),
        IntakeOutcome.Busy busy => Problems.Busy(busy.ProjectId),
        IntakeOutcome.NotFound notFound => Problems.ProjectNotFound(notFound.ProjectId),
        IntakeOutcome.QuotaReached quota => Problems.ProjectQuotaReached(quota.MaxProjects),
        _ => throw new InvalidOperationException($"Unknown intake outcome {outcome}."),
    };

    /// <summary>The charset a JSON body claims when .NET has no decoder for it (reading it would throw), else null.</summary>
    internal static string? UnknownCharset(HttpRequest request)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.Charset.Value is not { Length: > 0 } charset)
        {
            return null;
        }

        try
        {
            _ = System.Text.Encoding.GetEncoding(charset);
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }

    /// <summary>The 202 every accepted prompt gets: where to follow its generation.</summary>
    internal static Accepted<GenerateResponse> Accepted(string projectId)
    {
        var links = ProjectLinks.For(projectId);
        return TypedResults.Accepted(links.Status, new GenerateResponse(projectId, ProjectStatus.Queued, links));
    }
}
