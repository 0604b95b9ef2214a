using Kiln.Projects;
using Kiln.Sites;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>
/// Publishing a project's app (DESIGN.md section 11): a build stored as an immutable release and served on the
/// project's own site origin; its releases, rolling back to one, and taking the site down.
/// </summary>
public static class SiteEndpoints
{
    public static RouteGroupBuilder MapSites(this IEndpointRouteBuilder routes)
    {
        // The build runs on the app's files, on the owner's disk, so in a fleet these go to the owner.
        var group = routes.MapGroup("/api/projects/{projectId}").WithTags(ApiTags.Sites).RequiresProjectOwner();

        group.MapPost("/publish", PublishAsync)
            .WithName("PublishProject")
            .WithSummary("Build the app and publish it as a new release on the project's site origin")
            .WithDescription("The app is built in the sandbox with its package.json \"build\" script (a static app without package.json is published as its files are) " +
                             "and the output stored as the next release, which the site serves at once, with no dev server. Answers the site's URL, the release and the version it was built from. " +
                             "A failed build publishes nothing, leaves the site as it was, answers 422 with the build's last lines, and its errors become open errors (GET …/errors, POST …/fix). 409 while a generation or another publish runs.");
        group.MapDelete("/publish", TakeDownAsync)
            .WithName("UnpublishProject")
            .WithSummary("Take the site down: its origin answers 404 until a release is published or activated again")
            .WithDescription("The releases are kept.");
        group.MapGet("/releases", ListAsync)
            .WithName("ListReleases")
            .WithSummary("The site's URL (null when nothing is served), the release it serves, and every release, oldest first");
        group.MapPost("/releases/{release}/activate", ActivateAsync)
            .WithName("ActivateRelease")
            .WithSummary("Serve an earlier (or later) release again: a rollback, with no build");
        return group;
    }

    private static async Task<Results<Created<PublishResponse>, NotFoundProblem, ConflictProblem, UnprocessableProblem>> PublishAsync(
        string projectId, IProjectStore store, SitePublisher publisher, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is not { } project)
        {
            return Problems.ProjectNotFound(projectId);
        }

        if (project.Status.IsBusy())
        {
            return SiteProblems.Busy(projectId);
        }

        return await publisher.PublishAsync(projectId, cancellationToken) switch
        {
            PublishResult.Done done => TypedResults.Created($"/api/projects/{projectId}/releases", PublishResponse.Of(done)),
            PublishResult.Failed failed => SiteProblems.BuildFailed(projectId, failed),
            _ => SiteProblems.AlreadyPublishing(projectId),
        };
    }

    private static async Task<Results<NoContent, NotFoundProblem>> TakeDownAsync(
        string projectId, IProjectStore store, SitePublisher publisher, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        await publisher.TakeDownAsync(projectId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ReleaseList>, NotFoundProblem>> ListAsync(
        string projectId, IProjectStore store, ReleaseStore releases, SiteOrigin origin, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        var all = releases.List(projectId);
        var active = all.FirstOrDefault(release => release.Active)?.Number;
        return TypedResults.Ok(new ReleaseList(active is null ? null : origin.UrlFor(projectId).ToString(), active, all));
    }

    private static async Task<Results<Ok<PublishResponse>, BadRequestProblem, NotFoundProblem>> ActivateAsync(
        string projectId, string release, IProjectStore store, SitePublisher publisher, CancellationToken cancellationToken)
    {
        if (!int.TryParse(release, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return SiteProblems.BadRelease(release);
        }

        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        return await publisher.ActivateAsync(projectId, number, cancellationToken) is { } done
            ? TypedResults.Ok(PublishResponse.Of(done))
            : SiteProblems.ReleaseNotFound(projectId, number);
    }
}

/// <summary>What a publish or an activation answers: where the site is, the release it serves, and the version that release was built from.</summary>
public sealed record PublishResponse(string Url, int Release, int? Version)
{
    public static PublishResponse Of(PublishResult.Done done) => new(done.Url.ToString(), done.Release.Number, done.Release.Version);
}

/// <summary>A project's site: its URL and the release it serves (both null when nothing is served), and every release, oldest first.</summary>
public sealed record ReleaseList(string? Url, int? Active, IReadOnlyList<SiteRelease> Releases);

/// <summary>The publishing API's error answers (see <see cref="SiteEndpoints"/>).</summary>
public static class SiteProblems
{
    public static ConflictProblem Busy(string projectId) => new(
        "A generation is queued or running",
        $"Project '{projectId}' is generating, so its files are changing. Wait for it to finish, or POST /api/projects/{projectId}/cancel, then publish.");

    public static ConflictProblem AlreadyPublishing(string projectId) => new(
        "Already publishing",
        $"Project '{projectId}' is being published now. Wait for that to finish (the published or publish_failed event), then publish again.");

    public static UnprocessableProblem BuildFailed(string projectId, PublishResult.Failed failed) => new(
        "Publishing failed",
        failed.Message + " The site is as it was." +
        (failed.LastLines is "" ? "" : $" POST /api/projects/{projectId}/fix sends the errors to the agent. The last lines of the build:\n{failed.LastLines}"));

    public static BadRequestProblem BadRelease(string text) => new(
        "Not a release",
        $"'{text}' does not name a release: releases are numbered 1, 2, 3…");

    public static NotFoundProblem ReleaseNotFound(string projectId, int release) => new(
        "Release not found",
        $"Project '{projectId}' has no release {release}. GET /api/projects/{projectId}/releases lists its releases.");
}
