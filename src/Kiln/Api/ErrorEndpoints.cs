using Kiln.Agents;
using Kiln.Preview;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>The errors of a project's running app, and the request to fix them.</summary>
public static class ErrorEndpoints
{
    public static RouteGroupBuilder MapProjectErrors(this IEndpointRouteBuilder routes)
    {
        // The open errors are kept in the memory of the instance that runs the project, so in a fleet they go to its owner.
        var group = routes.MapGroup("/api/projects").WithTags(ApiTags.Errors).RequiresProjectOwner();

        group.MapGet("/{projectId}/errors", GetAsync)
            .WithName("ListErrors")
            .WithSummary("The app's open errors: failed builds, dev server compile errors, errors its preview page threw")
            .WithDescription("Identical errors are one entry with a count. They are cleared when a generation starts; a build that succeeds clears the build and dev server ones.");

        group.MapPost("/{projectId}/fix", FixAsync)
            .WithName("FixErrors")
            .WithSummary("Send the app's open errors to the agent as a follow-up prompt")
            .WithDescription("Returns 202 like POST /api/generate. 409 while the project is generating; 422 when there is no error to fix.");

        return group;
    }

    private static async Task<Results<Ok<ProjectErrorsResponse>, NotFoundProblem>> GetAsync(
        string projectId, IProjectStore store, PreviewErrors errors, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        return TypedResults.Ok(new ProjectErrorsResponse(projectId, errors.Open(projectId)));
    }

    private static async Task<Results<Accepted<GenerateResponse>, NotFoundProblem, ConflictProblem, UnprocessableProblem>> FixAsync(
        string projectId, ErrorFixer fixer, GenerationScheduler scheduler, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId))
        {
            return Problems.ProjectNotFound(projectId);
        }

        var (outcome, request) = await fixer.PrepareAsync(projectId, cancellationToken);
        switch (outcome)
        {
            case FixPreparation.NotFound:
                return Problems.ProjectNotFound(projectId);
            case FixPreparation.Busy:
                return Problems.Busy(projectId);
            case FixPreparation.NoErrors:
                return Problems.NoErrorsToFix(projectId);
        }

        await scheduler.EnqueueAsync(request!, cancellationToken);
        return GenerateEndpoints.Accepted(projectId);
    }
}

/// <summary>The open errors of a project's running app, oldest first.</summary>
public sealed record ProjectErrorsResponse(string ProjectId, IReadOnlyList<OpenPreviewError> Errors);
