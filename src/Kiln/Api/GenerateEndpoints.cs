using Kiln.Agents;
using Kiln.Fleet;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Kiln.Api;

public static class GenerateEndpoints
{
    public static RouteGroupBuilder MapGenerate(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").WithTags("Generate");
        group.MapPost("/generate", GenerateAsync)
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

    private static Task<Results<Accepted<GenerateResponse>, ValidationProblem, ProblemHttpResult>> GenerateAsync(
        GenerateRequest request,
        IProjectStore store,
        ProjectWorkspace workspace,
        GenerationScheduler scheduler,
        IAgentRuntime runtime,
        ModelEndpointResolver models,
        ProjectOwnership ownership,
        TimeProvider time,
        IOptions<AgentOptions> options,
        AttachmentStore attachments,
        CancellationToken cancellationToken) =>
        StartAsync(request.Prompt, request.ProjectId, [], store, workspace, scheduler, runtime, models, ownership, time, options, attachments, cancellationToken);

    private static async Task<Results<Accepted<GenerateResponse>, ValidationProblem, ProblemHttpResult>> GenerateWithFilesAsync(
        HttpRequest request,
        IOptions<AttachmentsOptions> attachmentOptions,
        IOptions<KilnCorsOptions> cors,
        IProjectStore store,
        ProjectWorkspace workspace,
        GenerationScheduler scheduler,
        IAgentRuntime runtime,
        ModelEndpointResolver models,
        ProjectOwnership ownership,
        TimeProvider time,
        IOptions<AgentOptions> options,
        AttachmentStore attachments,
        CancellationToken cancellationToken)
    {
        var (form, problem) = await AttachmentForm.ReadAsync(request, attachmentOptions.Value, cors.Value, cancellationToken);
        return form is null
            ? problem!
            : await StartAsync(form.Prompt, form.ProjectId, form.Files, store, workspace, scheduler, runtime, models, ownership, time, options, attachments, cancellationToken);
    }

    // Everything is checked before anything is stored: a refused request leaves no project and no file behind.
    private static async Task<Results<Accepted<GenerateResponse>, ValidationProblem, ProblemHttpResult>> StartAsync(
        string? requestPrompt,
        string? requestProjectId,
        IReadOnlyList<AttachmentFile> files,
        IProjectStore store,
        ProjectWorkspace workspace,
        GenerationScheduler scheduler,
        IAgentRuntime runtime,
        ModelEndpointResolver models,
        ProjectOwnership ownership,
        TimeProvider time,
        IOptions<AgentOptions> options,
        AttachmentStore attachments,
        CancellationToken cancellationToken)
    {
        var prompt = requestPrompt?.Trim();
        var maxLength = options.Value.MaxPromptLength;
        if (string.IsNullOrEmpty(prompt))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["prompt"] = ["Describe the app to build, for example \"a todo list with due dates\"."] },
                title: "The prompt is empty");
        }

        if (prompt.Length > maxLength)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["prompt"] = [$"The prompt has {prompt.Length} characters; the most accepted is {maxLength} (Kiln:Agent:MaxPromptLength)."] },
                title: "The prompt is too long");
        }

        var now = time.GetUtcNow();
        string projectId;
        int promptNumber;
        // The record names the files from the start; their bytes are stored once the prompt's number is known.
        IReadOnlyList<Attachment>? named = files.Count == 0 ? null : [.. files.Select(file => file.ToAttachment(
            file.Kind == AttachmentKind.Text ? $"{AttachmentStore.UploadsDirectory}/{file.Name}" : null))];
        if (requestProjectId is null)
        {
            projectId = ProjectIds.New();
            promptNumber = 1;
            await ownership.ClaimNewAsync(projectId, cancellationToken);
            workspace.Create(projectId);
            await store.CreateAsync(new Project
            {
                Id = projectId,
                Status = ProjectStatus.Queued,
                Prompts = [new ProjectPrompt(prompt, now, named)],
                CreatedAt = now,
                UpdatedAt = now,
                Runtime = runtime.Name,
                Model = models.ModelName,
            }, cancellationToken);
        }
        else
        {
            projectId = requestProjectId;
            if (!ProjectIds.IsValid(projectId))
            {
                return Problems.ProjectNotFound(projectId);
            }

            var busy = false;
            var updated = await store.UpdateAsync(projectId, project =>
            {
                busy = project.Status.IsBusy();
                return busy
                    ? project
                    : project with { Status = ProjectStatus.Queued, Prompts = [.. project.Prompts, new ProjectPrompt(prompt, now, named)], UpdatedAt = now, Error = null };
            }, cancellationToken);

            if (updated is null)
            {
                return Problems.ProjectNotFound(projectId);
            }

            if (busy)
            {
                return Problems.Busy(projectId);
            }

            promptNumber = updated.Prompts.Count;
        }

        var saved = files.Count == 0 ? null : await attachments.SaveAsync(projectId, promptNumber, files, cancellationToken);
        await scheduler.EnqueueAsync(new GenerationRequest(projectId, prompt, promptNumber, saved), cancellationToken);
        var links = ProjectLinks.For(projectId);
        return TypedResults.Accepted(links.Status, new GenerateResponse(projectId, ProjectStatus.Queued, links));
    }
}
