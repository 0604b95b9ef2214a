using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Tools;
using Kiln.Versions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;

namespace Kiln.Api;

/// <summary>
/// A project's versions (DESIGN.md section 9): one per generation, read from the app's git history. A version is named
/// by its number or its commit hash (<see cref="VersionRef"/>).
/// </summary>
public static class VersionEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Longest page path a screenshot is asked for by; check_app's paths are URLs, which browsers keep short.</summary>
    private const int MaxPagePathChars = 2048;

    public static RouteGroupBuilder MapVersions(this IEndpointRouteBuilder routes)
    {
        // The history is a git repository on the owner's disk, so in a fleet every version request goes to the owner.
        var group = routes.MapGroup("/api/projects/{projectId}/versions").WithTags(ApiTags.Versions).RequiresProjectOwner();

        group.MapGet("/", ListAsync)
            .WithName("ListVersions")
            .WithSummary("The app's versions, oldest first: number, commit, prompt, time, outcome, files changed, lines added and removed");
        group.MapGet("/{version}", GetAsync)
            .WithName("GetVersion")
            .WithSummary("One version, by number or commit hash");
        group.MapGet("/{version}/diff", DiffAsync)
            .WithName("GetVersionDiff")
            .WithSummary("A version's changes as a unified diff (text/plain, as git diff prints it)")
            .WithDescription("Against the version before it unless ?against= names another version; the first version is compared with an empty app.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        group.MapGet("/{version}/files/{**path}", GetFileAsync)
            .WithName("GetVersionFile")
            .WithSummary("One file as it was in a version, raw, with its content type")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream");
        group.MapGet("/{version}/screenshots", ListScreenshotsAsync)
            .WithName("ListVersionScreenshots")
            .WithSummary("The pages Kiln's browser saw in a version: path, width, whether each rendered without errors, its errors, who checked it, and the earlier version to compare it with")
            .WithDescription("A page is there when the agent checked it with check_app during the generation that made the version, or when Kiln re-checked it as that generation ended (every page that rendered in an earlier version). `before` is the latest earlier version in which the same path rendered, with a screenshot.");
        group.MapGet("/{version}/screenshot", GetScreenshotAsync)
            .WithName("GetVersionScreenshot")
            .WithSummary("The PNG of one page as a version showed it: ?path=/about")
            .WithDescription("The path is the page's path on the app's preview origin, query included, exactly as it was checked (\"/\" when omitted). 404 when the version has no screenshot of it.")
            .Produces<Stream>(StatusCodes.Status200OK, "image/png");
        group.MapPost("/{version}/restore", RestoreAsync)
            .WithName("RestoreVersion")
            .WithSummary("Make the app exactly that version again, as a new version")
            .WithDescription("Every file of the version comes back byte for byte and files it did not have are removed; node_modules and build output are left alone. A running dev server is restarted, and the agent is told on the next prompt. 409 while a generation is queued or running.");
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<AppVersion>>, NotFoundProblem, ServiceUnavailableProblem>> ListAsync(
        string projectId, IProjectStore store, VersionHistory history, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        var (versions, problem) = await ReadAsync(history, projectId, cancellationToken);
        return problem is null ? TypedResults.Ok(versions) : problem;
    }

    private static async Task<Results<Ok<AppVersion>, BadRequestProblem, NotFoundProblem, ServiceUnavailableProblem>> GetAsync(
        string projectId, string version, IProjectStore store, VersionHistory history, HandEdits handEdits, CancellationToken cancellationToken)
    {
        // Hand edits not yet in a version become one first, so the restore does not swallow them unrecorded.
        await handEdits.FlushAsync(projectId, cancellationToken);
        var found = await FindAsync(store, history, projectId, version, cancellationToken);
        switch (found.Problem)
        {
            case BadRequestProblem problem: return problem;
            case NotFoundProblem problem: return problem;
            case ServiceUnavailableProblem problem: return problem;
        }

        return TypedResults.Ok(found.Version!);
    }

    private static async Task<Results<FileContentHttpResult, BadRequestProblem, NotFoundProblem, ServiceUnavailableProblem>> DiffAsync(
        string projectId, string version, string? against, IProjectStore store, VersionHistory history, CancellationToken cancellationToken)
    {
        if (against is not null && !VersionRef.IsWellFormed(against))
        {
            return VersionProblems.BadVersion(against);
        }

        var found = await FindAsync(store, history, projectId, version, cancellationToken);
        switch (found.Problem)
        {
            case BadRequestProblem problem: return problem;
            case NotFoundProblem problem: return problem;
            case ServiceUnavailableProblem problem: return problem;
        }

        AppVersion? other = null;
        if (against is not null && (other = VersionRef.Find(found.All, against)) is null)
        {
            return VersionProblems.VersionNotFound(projectId, against);
        }

        try
        {
            var diff = await history.DiffAsync(projectId, found.Version!, other, cancellationToken);
            return TypedResults.Bytes(diff, "text/plain; charset=utf-8");
        }
        catch (Exception exception) when (exception is VersionHistoryException or SandboxUnavailableException)
        {
            return VersionProblems.HistoryUnavailable(exception.Message);
        }
    }

    private static async Task<Results<FileContentHttpResult, BadRequestProblem, NotFoundProblem, ServiceUnavailableProblem>> GetFileAsync(
        string projectId, string version, string path, IProjectStore store, ProjectWorkspace workspace, VersionHistory history,
        CancellationToken cancellationToken)
    {
        var found = await FindAsync(store, history, projectId, version, cancellationToken);
        switch (found.Problem)
        {
            case BadRequestProblem problem: return problem;
            case NotFoundProblem problem: return problem;
            case ServiceUnavailableProblem problem: return problem;
        }

        // The same rule as every other path into the app: relative, no '..', nothing of Kiln's or the package manager's.
        var app = new AppDirectory(workspace.AppDirectory(projectId));
        string relative;
        try
        {
            relative = app.Relative(app.Resolve(path));
        }
        catch (PathRefusedException exception)
        {
            return Problems.BadRequest("Path refused", exception.Message);
        }

        if (relative.Split('/').Any(AppDirectory.IsHiddenName))
        {
            return Problems.FileNotFound(path);
        }

        try
        {
            var content = await history.ReadFileAsync(projectId, found.Version!, relative, cancellationToken);
            if (content is null)
            {
                return VersionProblems.FileNotInVersion(projectId, found.Version!.Number, relative);
            }

            var contentType = ContentTypes.TryGetContentType(relative, out var known) ? known : "application/octet-stream";
            if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/javascript" or "application/json")
            {
                contentType += "; charset=utf-8";
            }

            return TypedResults.Bytes(content, contentType);
        }
        catch (Exception exception) when (exception is VersionHistoryException or SandboxUnavailableException)
        {
            return VersionProblems.HistoryUnavailable(exception.Message);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<PageScreenshot>>, BadRequestProblem, NotFoundProblem, ServiceUnavailableProblem>> ListScreenshotsAsync(
        string projectId, string version, IProjectStore store, VersionHistory history, VersionScreenshots screenshots, CancellationToken cancellationToken)
    {
        var found = await FindAsync(store, history, projectId, version, cancellationToken);
        switch (found.Problem)
        {
            case BadRequestProblem problem: return problem;
            case NotFoundProblem problem: return problem;
            case ServiceUnavailableProblem problem: return problem;
        }

        return TypedResults.Ok(await screenshots.ListAsync(projectId, found.Version!.Number, cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, BadRequestProblem, NotFoundProblem, ServiceUnavailableProblem>> GetScreenshotAsync(
        string projectId, string version, string? path, IProjectStore store, VersionHistory history, VersionScreenshots screenshots,
        CancellationToken cancellationToken)
    {
        var page = string.IsNullOrEmpty(path) ? "/" : path.StartsWith('/') ? path : "/" + path;
        if (page.Length > MaxPagePathChars || page.Any(char.IsControl))
        {
            return Problems.BadRequest("Not a page path", $"'path' is a page's path on the app's origin, such as /about, of at most {MaxPagePathChars} characters.");
        }

        var found = await FindAsync(store, history, projectId, version, cancellationToken);
        switch (found.Problem)
        {
            case BadRequestProblem problem: return problem;
            case NotFoundProblem problem: return problem;
            case ServiceUnavailableProblem problem: return problem;
        }

        var number = found.Version!.Number;
        return await screenshots.ReadAsync(projectId, number, page, cancellationToken) is { } png
            ? TypedResults.Bytes(png, "image/png")
            : VersionProblems.ScreenshotNotFound(projectId, number, page);
    }

    private static async Task<Results<Created<RestoreResult>, BadRequestProblem, NotFoundProblem, ConflictProblem, ServiceUnavailableProblem>> RestoreAsync(
        string projectId, string version, IProjectStore store, VersionHistory history, HandEdits handEdits, CancellationToken cancellationToken)
    {
        // Hand edits not yet in a version become one first, so the restore does not swallow them unrecorded.
        await handEdits.FlushAsync(projectId, cancellationToken);
        var found = await FindAsync(store, history, projectId, version, cancellationToken);
        switch (found.Problem)
        {
            case BadRequestProblem problem: return problem;
            case NotFoundProblem problem: return problem;
            case ServiceUnavailableProblem problem: return problem;
        }

        if (found.Project!.Status.IsBusy())
        {
            return VersionProblems.Busy(projectId);
        }

        try
        {
            var restored = await history.RestoreAsync(projectId, found.Version!, cancellationToken);
            return TypedResults.Created($"/api/projects/{projectId}/versions/{restored.Version.Number}", restored);
        }
        catch (Exception exception) when (exception is VersionHistoryException or SandboxUnavailableException)
        {
            return VersionProblems.HistoryUnavailable(exception.Message);
        }
    }

    private static async Task<(IReadOnlyList<AppVersion> Versions, ServiceUnavailableProblem? Problem)> ReadAsync(
        VersionHistory history, string projectId, CancellationToken cancellationToken)
    {
        try
        {
            return (await history.ListAsync(projectId, cancellationToken), null);
        }
        catch (Exception exception) when (exception is VersionHistoryException or SandboxUnavailableException)
        {
            return ([], VersionProblems.HistoryUnavailable(exception.Message));
        }
    }

    /// <summary>The project and the version <paramref name="text"/> names, or the problem that says why not.</summary>
    private static async Task<Found> FindAsync(
        IProjectStore store, VersionHistory history, string projectId, string text, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is not { } project)
        {
            return new Found(null, null, [], Problems.ProjectNotFound(projectId));
        }

        if (!VersionRef.IsWellFormed(text))
        {
            return new Found(project, null, [], VersionProblems.BadVersion(text));
        }

        var (versions, problem) = await ReadAsync(history, projectId, cancellationToken);
        if (problem is not null)
        {
            return new Found(project, null, [], problem);
        }

        return VersionRef.Find(versions, text) is { } version
            ? new Found(project, version, versions, null)
            : new Found(project, null, versions, VersionProblems.VersionNotFound(projectId, text));
    }

    // Problem, when set, is one of the three the handlers answer: BadRequestProblem, NotFoundProblem or ServiceUnavailableProblem.
    private sealed record Found(Project? Project, AppVersion? Version, IReadOnlyList<AppVersion> All, TypedProblem? Problem);
}
