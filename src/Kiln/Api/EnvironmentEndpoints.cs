using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>The value of a secret, as a PUT sends it.</summary>
public sealed record SecretValue(string? Value);

/// <summary>
/// A project's environment variables and secrets, which its dev server, builds and commands get (never the model, an
/// event, a log or a download). Variables are read and written whole; secrets are written one by one and listed by name.
/// A change restarts a running dev server, so the app sees it.
/// </summary>
public static class EnvironmentEndpoints
{
    public static RouteGroupBuilder MapProjectEnvironment(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/projects/{projectId}").WithTags(ApiTags.Environment);

        group.MapGet("/env", GetVariablesAsync)
            .WithName("GetEnvironmentVariables")
            .WithSummary("The app's environment variables, name to value");
        // A change restarts the dev server, which runs on the owner.
        group.MapPut("/env", SetVariablesAsync)
            .RequiresProjectOwner()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithName("SetEnvironmentVariables")
            .WithSummary("Replace the app's environment variables (an empty object removes them all)")
            .WithDescription("Names are capital letters, digits and underscores (^[A-Z_][A-Z0-9_]*$); names Kiln sets itself or that change how " +
                             "programs load or reach the network (PATH, HOME, NODE_OPTIONS, LD_PRELOAD, HTTP_PROXY, npm_config_…) are refused with the reason. " +
                             "A running dev server is restarted with the new values; VITE_ and NEXT_PUBLIC_ variables reach the browser.");
        group.MapGet("/secrets", ListSecretsAsync)
            .WithName("ListSecrets")
            .WithSummary("The app's secrets by name, with when each was set; never their values");
        group.MapPut("/secrets/{name}", SetSecretAsync)
            .RequiresProjectOwner()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithName("SetSecret")
            .WithSummary("Set a secret: stored encrypted, given to the app's dev server, builds and commands, and hidden in their output")
            .WithDescription("The same name rules as variables; VITE_, NEXT_PUBLIC_ and REACT_APP_ names are refused, since the bundler ships them to the browser. " +
                             "A running dev server is restarted with it.");
        group.MapDelete("/secrets/{name}", DeleteSecretAsync)
            .RequiresProjectOwner()
            .WithName("DeleteSecret")
            .WithSummary("Delete a secret; a running dev server is restarted without it");
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyDictionary<string, string>>, NotFoundProblem>> GetVariablesAsync(
        string projectId, ProjectEnvironment environment, CancellationToken cancellationToken) =>
        await environment.GetAsync(projectId, cancellationToken) is { } view
            ? TypedResults.Ok(view.Variables)
            : Problems.ProjectNotFound(projectId);

    private static async Task<Results<Ok<IReadOnlyDictionary<string, string>>, BadRequestProblem, NotFoundProblem, ConflictProblem>> SetVariablesAsync(
        string projectId, Dictionary<string, string?> variables, ProjectEnvironment environment, DevServerSupervisor devServers, CancellationToken cancellationToken)
    {
        var change = await environment.SetVariablesAsync(projectId, variables, cancellationToken);
        switch (change)
        {
            case EnvironmentChange.Done done:
                await AfterAsync(projectId, done, devServers, cancellationToken);
                return TypedResults.Ok(done.View.Variables);
            case EnvironmentChange.Refused refused:
                return new BadRequestProblem(refused.Title, refused.Detail);
            case EnvironmentChange.Conflicting conflicting:
                return new ConflictProblem(conflicting.Title, conflicting.Detail);
            default:
                return Problems.ProjectNotFound(projectId);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<SecretName>>, NotFoundProblem>> ListSecretsAsync(
        string projectId, ProjectEnvironment environment, CancellationToken cancellationToken) =>
        await environment.GetAsync(projectId, cancellationToken) is { } view
            ? TypedResults.Ok(view.Secrets)
            : Problems.ProjectNotFound(projectId);

    private static async Task<Results<Ok<SecretName>, BadRequestProblem, NotFoundProblem, ConflictProblem>> SetSecretAsync(
        string projectId, string name, SecretValue body, ProjectEnvironment environment, DevServerSupervisor devServers, CancellationToken cancellationToken)
    {
        var change = await environment.SetSecretAsync(projectId, name, body.Value, cancellationToken);
        switch (change)
        {
            case EnvironmentChange.Done done:
                await AfterAsync(projectId, done, devServers, cancellationToken);
                return TypedResults.Ok(done.View.Secrets.Single(secret => secret.Name == name));
            case EnvironmentChange.Refused refused:
                return new BadRequestProblem(refused.Title, refused.Detail);
            case EnvironmentChange.Conflicting conflicting:
                return new ConflictProblem(conflicting.Title, conflicting.Detail);
            default:
                return Problems.ProjectNotFound(projectId);
        }
    }

    private static async Task<Results<NoContent, NotFoundProblem>> DeleteSecretAsync(
        string projectId, string name, ProjectEnvironment environment, DevServerSupervisor devServers, CancellationToken cancellationToken)
    {
        var change = await environment.DeleteSecretAsync(projectId, name, cancellationToken);
        switch (change)
        {
            case EnvironmentChange.Done done:
                await AfterAsync(projectId, done, devServers, cancellationToken);
                return TypedResults.NoContent();
            case EnvironmentChange.SecretMissing:
                return Problems.SecretNotFound(name);
            default:
                return Problems.ProjectNotFound(projectId);
        }
    }

    // The dev server reads its environment when it starts: a running one starts again, and the answer waits for it,
    // so a client that reloads the preview after the answer sees the change.
    private static Task AfterAsync(string projectId, EnvironmentChange.Done done, DevServerSupervisor devServers, CancellationToken cancellationToken) =>
        done.Changed ? devServers.RestartIfRunningAsync(projectId, DevServerStopReason.EnvironmentChanged, cancellationToken) : Task.CompletedTask;
}
