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
        group.MapPost("/generate", GenerateAsync)
            .WithName("Generate")
            .WithSummary("Start a project from a prompt, or send a follow-up prompt to one")
            .WithDescription("Returns 202 at once; follow the generation on the WebSocket or the SSE stream in the response's links. " +
                "To attach files, send the same fields as multipart/form-data with the files in 'files': images (png, jpeg, gif, webp) reach the model as images, " +
                "text files (txt, md, json, csv, svg, html, css, js, ts) are placed in the app under public/uploads/.")
            .RequiresProjectOwner(projectIdInBody: true);
        // The same endpoint for multipart/form-data, chosen by Content-Type; described above, so left out of the document.
        group.MapPost("/generate", GenerateWithFilesAsync)
            .Accepts<AttachmentForm>("multipart/form-data")
            .ExcludeFromDescription()
            .RequiresProjectOwner(projectIdInBody: true);
        return group;
    }

    private static async Task<Results<Accepted<GenerateResponse>, ValidationProblem, NotFoundProblem, ConflictProblem>> GenerateAsync(
        GenerateRequest request, GenerationIntake intake, CancellationToken cancellationToken) =>
        Answer(await intake.AcceptAsync(request.Prompt, request.ProjectId, [], cancellationToken));

    // Left out of the document (see above), so its answer needs no precise type: the form's refusals (400, 403, 413,
    // 415) and the intake's answers would be more than a Results<...> holds.
    private static async Task<IResult> GenerateWithFilesAsync(
        HttpRequest request,
        IOptions<AttachmentsOptions> attachmentOptions,
        IOptions<KilnCorsOptions> cors,
        GenerationIntake intake,
        CancellationToken cancellationToken)
    {
        var (form, problem) = await AttachmentForm.ReadAsync(request, attachmentOptions.Value, cors.Value, cancellationToken);
        return form is null ? problem! : Answer(await intake.AcceptAsync(form.Prompt, form.ProjectId, form.Files, cancellationToken));
    }

    private static Results<Accepted<GenerateResponse>, ValidationProblem, NotFoundProblem, ConflictProblem> Answer(IntakeOutcome outcome) => outcome switch
    {
        IntakeOutcome.Accepted accepted => Accepted(accepted.ProjectId),
        IntakeOutcome.Invalid invalid => TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { ["prompt"] = [invalid.Detail] }, title: invalid.Title),
        IntakeOutcome.Busy busy => Problems.Busy(busy.ProjectId),
        IntakeOutcome.NotFound notFound => Problems.ProjectNotFound(notFound.ProjectId),
        _ => throw new InvalidOperationException($"Unknown intake outcome {outcome}."),
    };

    /// <summary>The 202 every accepted prompt gets: where to follow its generation.</summary>
    internal static Accepted<GenerateResponse> Accepted(string projectId)
    {
        var links = ProjectLinks.For(projectId);
        return TypedResults.Accepted(links.Status, new GenerateResponse(projectId, ProjectStatus.Queued, links));
    }
}
