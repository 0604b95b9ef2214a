using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>Pinning keeps a project out of the cleanup policy's reach, however old or large it is.</summary>
public static class PinEndpoints
{
    public static RouteGroupBuilder MapProjectPins(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects").WithTags("Projects");

        group.MapPost("/{projectId}/pin", (string projectId, IProjectStore store, TimeProvider time, CancellationToken cancellationToken) =>
                SetPinnedAsync(projectId, pinned: true, store, time, cancellationToken))
            .WithSummary("Pin the project: the cleanup policy never removes it");

        group.MapDelete("/{projectId}/pin", (string projectId, IProjectStore store, TimeProvider time, CancellationToken cancellationToken) =>
                SetPinnedAsync(projectId, pinned: false, store, time, cancellationToken))
            .WithSummary("Unpin the project: the cleanup policy may remove it again when it is old or beyond the limits");

        return group;
    }

    private static async Task<Results<Ok<ProjectStatusResponse>, ProblemHttpResult>> SetPinnedAsync(
        string projectId, bool pinned, IProjectStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId))
        {
            return Problems.ProjectNotFound(projectId);
        }

        var now = time.GetUtcNow();
        var project = await store.UpdateAsync(
            projectId,
            current => current.Pinned == pinned ? current : current with { Pinned = pinned, UpdatedAt = now },
            cancellationToken);
        return project is null ? Problems.ProjectNotFound(projectId) : TypedResults.Ok(ProjectStatusResponse.From(project));
    }
}
