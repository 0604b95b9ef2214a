using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>Pinning keeps a project out of the cleanup policy's reach, however old or large it is.</summary>
public static class PinEndpoints
{
    public static RouteGroupBuilder MapProjectPins(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects").WithTags(ApiTags.Projects);

        group.MapPost("/{projectId}/pin", (string projectId, IProjectStore store, CancellationToken cancellationToken) =>
                SetPinnedAsync(projectId, pinned: true, store, cancellationToken))
            .WithName("PinProject")
            .WithSummary("Pin the project: the cleanup policy never removes it");

        group.MapDelete("/{projectId}/pin", (string projectId, IProjectStore store, CancellationToken cancellationToken) =>
                SetPinnedAsync(projectId, pinned: false, store, cancellationToken))
            .WithName("UnpinProject")
            .WithSummary("Unpin the project: the cleanup policy may remove it again, by its last use");

        return group;
    }

    private static async Task<Results<Ok<ProjectStatusResponse>, NotFoundProblem>> SetPinnedAsync(
        string projectId, bool pinned, IProjectStore store, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId))
        {
            return Problems.ProjectNotFound(projectId);
        }

        // A pin is not use: UpdatedAt, which the cleanup policy reads as the last use, stays as it is.
        var project = await store.UpdateAsync(projectId, current => current.Pinned == pinned ? current : current with { Pinned = pinned }, cancellationToken);
        return project is null ? Problems.ProjectNotFound(projectId) : TypedResults.Ok(ProjectStatusResponse.From(project));
    }
}
