using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Kiln.Projects;

/// <summary>
/// A project's environment variables and secrets: kept on its record in the store (outside the app directory, so
/// never in a version, a download or the agent's file tools), each secret sealed with Data Protection for its project
/// and name, and handed unsealed only to the app's own processes (<see cref="ForProcessesAsync"/>).
/// </summary>
public sealed partial class ProjectEnvironment(IProjectStore store, IDataProtectionProvider dataProtection, TimeProvider time, ILogger<ProjectEnvironment> logger)
{
    private const string Purpose = "Kiln.Projects.Secret.v1";

    /// <summary>The project's variables and secret names, or null when there is no such project.</summary>
    public async Task<EnvironmentView?> GetAsync(string projectId, CancellationToken cancellationToken) =>
        ProjectIds.IsValid(projectId) && await store.GetAsync(projectId, cancellationToken) is { } project ? View(project) : null;

    /// <summary>Replaces the project's variables with <paramref name="variables"/>.</summary>
    public async Task<EnvironmentChange> SetVariablesAsync(
        string projectId, IReadOnlyDictionary<string, string?> variables, CancellationToken cancellationToken)
    {
        if (variables.Count > EnvironmentNames.MaxCount)
        {
            return new EnvironmentChange.Refused("Too many variables", $"A project has at most {EnvironmentNames.MaxCount} environment variables.");
        }

        foreach (var (name, value) in variables)
        {
            if ((EnvironmentNames.NameRefusal(name) ?? EnvironmentNames.ValueRefusal(name, value, secret: false)) is { } refusal)
            {
                return new EnvironmentChange.Refused("Invalid environment variable", refusal);
            }
        }

        var wanted = variables.ToDictionary(pair => pair.Key, pair => pair.Value!, StringComparer.Ordinal);
        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is not { } before)
        {
            return new EnvironmentChange.ProjectMissing();
        }

        if (wanted.Keys.FirstOrDefault(name => before.Secrets?.ContainsKey(name) == true) is { } taken)
        {
            return SecretNamed(taken);
        }

        var project = await store.UpdateAsync(
            projectId, current => current with { Variables = wanted.Count == 0 ? null : wanted }, cancellationToken);
        return project is null
            ? new EnvironmentChange.ProjectMissing()
            : new EnvironmentChange.Done(View(project), !SameVariables(before.Variables, wanted));
    }

    /// <summary>Sets (or replaces) the secret <paramref name="name"/>.</summary>
    public async Task<EnvironmentChange> SetSecretAsync(string projectId, string name, string? value, CancellationToken cancellationToken)
    {
        if ((EnvironmentNames.NameRefusal(name) ?? EnvironmentNames.SecretNameRefusal(name)) is { } nameRefusal)
        {
            return new EnvironmentChange.Refused("Invalid secret name", nameRefusal);
        }

        if (EnvironmentNames.ValueRefusal(name, value, secret: true) is { } valueRefusal)
        {
            return new EnvironmentChange.Refused("Invalid secret value", valueRefusal);
        }

        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is not { } before)
        {
            return new EnvironmentChange.ProjectMissing();
        }

        if (before.Variables?.ContainsKey(name) == true)
        {
            return new EnvironmentChange.Conflicting(
                "The name is a variable",
                $"{name} is already an environment variable of this project. Remove it from the variables (PUT /api/projects/{{id}}/env) first; a name is either a variable or a secret.");
        }

        if (before.Secrets is not null && !before.Secrets.ContainsKey(name) && before.Secrets.Count >= EnvironmentNames.MaxCount)
        {
            return new EnvironmentChange.Refused("Too many secrets", $"A project has at most {EnvironmentNames.MaxCount} secrets; delete one first.");
        }

        var stored = new StoredSecret(Protector(projectId, name).Protect(value!), time.GetUtcNow());
        var project = await store.UpdateAsync(
            projectId,
            current => current with { Secrets = new Dictionary<string, StoredSecret>(current.Secrets ?? new Dictionary<string, StoredSecret>(), StringComparer.Ordinal) { [name] = stored } },
            cancellationToken);
        return project is null ? new EnvironmentChange.ProjectMissing() : new EnvironmentChange.Done(View(project), Changed: true);
    }

    /// <summary>Deletes the secret <paramref name="name"/>.</summary>
    public async Task<EnvironmentChange> DeleteSecretAsync(string projectId, string name, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is not { } before)
        {
            return new EnvironmentChange.ProjectMissing();
        }

        if (before.Secrets?.ContainsKey(name) != true)
        {
            return new EnvironmentChange.SecretMissing(name);
        }

        var project = await store.UpdateAsync(
            projectId,
            current =>
            {
                var secrets = new Dictionary<string, StoredSecret>(current.Secrets ?? new Dictionary<string, StoredSecret>(), StringComparer.Ordinal);
                secrets.Remove(name);
                return current with { Secrets = secrets.Count == 0 ? null : secrets };
            },
            cancellationToken);
        return project is null ? new EnvironmentChange.ProjectMissing() : new EnvironmentChange.Done(View(project), Changed: true);
    }

    /// <summary>
    /// The variables and unsealed secrets the project's dev server, build and commands get, with a redactor for their
    /// output. A secret that can no longer be unsealed (its key ring was lost) is left out and logged by name.
    /// </summary>
    public async Task<AppEnvironment> ForProcessesAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is not { } project ||
            (project.Variables is null && project.Secrets is null))
        {
            return AppEnvironment.Empty;
        }

        var variables = new Dictionary<string, string>(project.Variables ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, stored) in project.Secrets ?? new Dictionary<string, StoredSecret>())
        {
            try
            {
                secrets[name] = Protector(projectId, name).Unprotect(stored.Sealed);
            }
            catch (CryptographicException)
            {
                LogUnreadableSecret(logger, projectId, name);
            }
        }

        foreach (var (name, value) in secrets)
        {
            variables[name] = value;
        }

        return new AppEnvironment(variables, new SecretRedactor(secrets));
    }

    /// <summary>The names of the project's variables and secrets, for the agent's briefing (values of variables included: they are not secret).</summary>
    public static EnvironmentView View(Project project) => new(
        project.Variables ?? new Dictionary<string, string>(),
        (project.Secrets ?? new Dictionary<string, StoredSecret>())
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new SecretName(pair.Key, pair.Value.SetAt))
            .ToList());

    // Bound to the project and the name: a sealed value copied to another project's record, or another name, does not open.
    private IDataProtector Protector(string projectId, string name) => dataProtection.CreateProtector(Purpose, projectId, name);

    private static EnvironmentChange.Conflicting SecretNamed(string name) => new EnvironmentChange.Conflicting(
        "The name is a secret",
        $"{name} is already a secret of this project. Delete it (DELETE /api/projects/{{id}}/secrets/{name}) first; a name is either a variable or a secret.");

    private static bool SameVariables(IReadOnlyDictionary<string, string>? before, Dictionary<string, string> after) =>
        (before?.Count ?? 0) == after.Count && after.All(pair => before!.TryGetValue(pair.Key, out var value) && value == pair.Value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secret {Name} of project {ProjectId} cannot be unsealed (its Data Protection key is gone); its processes run without it")]
    private static partial void LogUnreadableSecret(ILogger logger, string projectId, string name);
}
