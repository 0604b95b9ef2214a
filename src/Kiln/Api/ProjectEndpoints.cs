using Kiln.Agents;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

public static class ProjectEndpoints
{
    public static RouteGroupBuilder MapProjects(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects").WithTags(ApiTags.Projects);

        group.MapGet("/", async (IProjectStore store, CancellationToken cancellationToken) =>
            TypedResults.Ok((await store.ListAsync(cancellationToken)).Select(ProjectSummary.From).ToList()))
            .WithName("ListProjects")
            .WithSummary("List projects, newest first");

        group.MapGet("/{projectId}", async Task<Results<Ok<ProjectResponse>, NotFoundProblem>> (
                string projectId, IProjectStore store, EventLog events, ProjectWorkspace workspace, CancellationToken cancellationToken) =>
            await FindAsync(store, projectId, cancellationToken) is { } project
                ? TypedResults.Ok(ProjectResponse.From(
                    project, await events.LastSeqAsync(projectId, cancellationToken), ViteSourceTags.Supports(workspace.AppDirectory(projectId))))
                : Problems.ProjectNotFound(projectId))
            .WithName("GetProject")
            .WithSummary("A project with its prompts and the seq of its newest event");

        group.MapGet("/{projectId}/status", async Task<Results<Ok<ProjectStatusResponse>, NotFoundProblem>> (
                string projectId, IProjectStore store, ProjectWorkspace workspace, IProjectPlacement placement, CancellationToken cancellationToken) =>
            await FindAsync(store, projectId, cancellationToken) is { } project
                ? TypedResults.Ok(ProjectStatusResponse.From(
                    project, ViteSourceTags.Supports(workspace.AppDirectory(projectId)), await placement.OwnerAsync(projectId, cancellationToken)))
                : Problems.ProjectNotFound(projectId))
            .WithName("GetProjectStatus")
            .WithSummary("A project's status, usage, cost and preview URL");

        group.MapPost("/{projectId}/cancel", CancelAsync)
            .WithName("CancelGeneration")
            .WithSummary("Cancel the project's queued or running generation")
            .RequiresProjectOwner();

        group.MapDelete("/{projectId}", DeleteAsync)
            .WithName("DeleteProject")
            .WithSummary("Stop the project's work and remove it with its files and events")
            .RequiresProjectOwner();

        return group;
    }

    /// <summary>The project, or null for an unknown or malformed id (both are simply "not found").</summary>
    internal static Task<Project?> FindAsync(IProjectStore store, string projectId, CancellationToken cancellationToken) =>
        ProjectIds.IsValid(projectId) ? store.GetAsync(projectId, cancellationToken) : Task.FromResult<Project?>(null);

    private static async Task<Results<Ok<ProjectStatusResponse>, NotFoundProblem, ConflictProblem>> CancelAsync(
        string projectId, IProjectStore store, GenerationScheduler scheduler, CancellationToken cancellationToken)
    {
        if (await FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        if (!await scheduler.CancelAsync(projectId, "Cancelled by request.", cancellationToken))
        {
            return Problems.NothingToCancel(projectId);
        }

        var project = await store.GetAsync(projectId, cancellationToken);
        return TypedResults.Ok(ProjectStatusResponse.From(project!));
    }

    private static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(
        string projectId, ProjectRemoval removal, CancellationToken cancellationToken) =>
        await removal.RemoveAsync(projectId, cancellationToken) ? TypedResults.NoContent() : Problems.ProjectNotFound(projectId);
}
