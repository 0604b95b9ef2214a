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
            .WithDescription("Returns 202 at once; follow the generation on the WebSocket or the SSE stream in the response's links.")
            .RequiresProjectOwner(projectIdInBody: true);
        return group;
    }

    private static async Task<Results<Accepted<GenerateResponse>, ValidationProblem, ProblemHttpResult>> GenerateAsync(
        GenerateRequest request,
        IProjectStore store,
        ProjectWorkspace workspace,
        GenerationScheduler scheduler,
        IAgentRuntime runtime,
        ModelEndpointResolver models,
        ProjectOwnership ownership,
        TimeProvider time,
        IOptions<AgentOptions> options,
        CancellationToken cancellationToken)
    {
        var prompt = request.Prompt?.Trim();
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
        if (request.ProjectId is null)
        {
            projectId = ProjectIds.New();
            promptNumber = 1;
            await ownership.ClaimNewAsync(projectId, cancellationToken);
            workspace.Create(projectId);
            await store.CreateAsync(new Project
            {
                Id = projectId,
                Status = ProjectStatus.Queued,
                Prompts = [new ProjectPrompt(prompt, now)],
                CreatedAt = now,
                UpdatedAt = now,
                Runtime = runtime.Name,
                Model = models.ModelName,
            }, cancellationToken);
        }
        else
        {
            projectId = request.ProjectId;
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
                    : project with { Status = ProjectStatus.Queued, Prompts = [.. project.Prompts, new ProjectPrompt(prompt, now)], UpdatedAt = now, Error = null };
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

        await scheduler.EnqueueAsync(new GenerationRequest(projectId, prompt, promptNumber), cancellationToken);
        var links = ProjectLinks.For(projectId);
        return TypedResults.Accepted(links.Status, new GenerateResponse(projectId, ProjectStatus.Queued, links));
    }
}
