using System.Text.Json;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Versions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>
/// Pushing a project's version history to a git remote (DESIGN.md section 11), and the remote, branch and token Kiln
/// remembers for it. The token is never in an answer: GET says only whether one is stored.
/// </summary>
public static class GitEndpoints
{
    public static RouteGroupBuilder MapGitPush(this IEndpointRouteBuilder routes)
    {
        // The history and the settings are on the owner's disk, so in a fleet these go to the owner.
        var group = routes.MapGroup("/api/projects/{projectId}/git").WithTags(ApiTags.Git).RequiresProjectOwner();

        group.MapPost("/push", PushAsync)
            .WithName("PushToGit")
            .WithSummary("Push every version of the app to a branch of an https git remote")
            .WithDescription("The commits of Kiln's own history of the app (never node_modules, build output or Kiln's files) go to `branch` (main when omitted) of `remote` (the saved remote when omitted). " +
                             "`token` is sent to the remote as HTTP Basic credentials for this push alone (GitHub, GitLab and Gitea take an access token so); without one, the token stored for that remote is used. " +
                             "`saveToken` keeps the token, encrypted, for later pushes to the same remote once the push lands. Plain http:// only with Kiln:Git:AllowInsecureRemotes; file://, paths, ext:: and ssh are refused (400). " +
                             "Kiln never force-pushes: a branch with commits the project lacks answers 409. A token the remote refuses answers 403, a repository it does not have 422, a remote that cannot be reached 502.")
            // Read by the handler, so an unreadable body is a 400 or 415 ProblemDetails like every other answer.
            .Accepts<GitPushRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/", GetAsync)
            .WithName("GetGitSettings")
            .WithSummary("The saved remote and branch, whether a token is stored (never the token), and how the last push went");
        group.MapDelete("/token", ForgetTokenAsync)
            .WithName("ForgetGitToken")
            .WithSummary("Forget the stored token; later pushes need a token again");
        return group;
    }

    // More answers than Results<...> takes types: each problem is declared on the route instead (ProducesProblem).
    private static async Task<Results<Ok<GitPushResponse>, TypedProblem, ProblemHttpResult>> PushAsync(
        string projectId, HttpRequest http, IProjectStore store, GitPusher pusher, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        if (!http.HasJsonContentType() || GenerateEndpoints.UnknownCharset(http) is not null)
        {
            return TypedResults.Problem(
                title: "Send JSON with Content-Type: application/json",
                detail: "POST …/git/push takes {\"remote\": \"https://…\", \"branch\": \"main\", \"token\": \"…\", \"saveToken\": true} as UTF-8 application/json.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        GitPushRequest? request;
        try
        {
            request = await http.ReadFromJsonAsync<GitPushRequest>(cancellationToken);
        }
        catch (JsonException exception)
        {
            return new BadRequestProblem("The request could not be read", $"The body is not valid JSON for a push: {exception.Message}");
        }

        GitPushResult result;
        try
        {
            result = await pusher.PushAsync(projectId, request?.Remote, request?.Branch, request?.Token, request?.SaveToken ?? false, cancellationToken);
        }
        catch (Exception exception) when (exception is VersionHistoryException or SandboxUnavailableException or IOException)
        {
            return new ServiceUnavailableProblem("Git is not available", $"Kiln could not run git for the push: {exception.Message}");
        }

        return result switch
        {
            GitPushResult.Pushed pushed => TypedResults.Ok(new GitPushResponse(pushed.Remote, pushed.Branch, pushed.Commit, pushed.Commits)),
            GitPushResult.Invalid invalid => new BadRequestProblem("Not a remote Kiln pushes to", invalid.Message),
            GitPushResult.NotNow notNow => new ConflictProblem("Nothing to push now", notNow.Message),
            GitPushResult.Rejected rejected => new ConflictProblem("The remote rejected the push", rejected.Message),
            GitPushResult.Unauthorized unauthorized => new ForbiddenProblem("The remote refused the credentials", unauthorized.Message),
            GitPushResult.RemoteNotFound notFound => new UnprocessableProblem("No such repository on the remote", notFound.Message),
            GitPushResult.Unreachable unreachable => new BadGatewayProblem("The remote could not be reached", unreachable.Message),
            _ => throw new InvalidOperationException($"Unknown push result {result.GetType().Name}."),
        };
    }

    private static async Task<Results<Ok<GitSettingsView>, NotFoundProblem>> GetAsync(
        string projectId, IProjectStore store, GitSettings settings, CancellationToken cancellationToken) =>
        await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null
            ? Problems.ProjectNotFound(projectId)
            : TypedResults.Ok(await settings.ReadAsync(projectId, cancellationToken));

    private static async Task<Results<NoContent, NotFoundProblem>> ForgetTokenAsync(
        string projectId, IProjectStore store, GitSettings settings, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        await settings.ForgetTokenAsync(projectId, cancellationToken);
        return TypedResults.NoContent();
    }
}

/// <summary>A push: the remote (the saved one when omitted), the branch (main when omitted), a token, and whether to remember it.</summary>
public sealed record GitPushRequest(string? Remote, string? Branch = null, string? Token = null, bool SaveToken = false);

/// <summary>A push that landed: the remote (without credentials), the branch, the commit it is at now, and how many commits were new to it (0: it was up to date).</summary>
public sealed record GitPushResponse(string Remote, string Branch, string Commit, int Commits);
