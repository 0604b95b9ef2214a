using Kiln.Events;
using Kiln.Projects;
using Kiln.Versions;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>What became of an app sent to <c>POST /api/import</c>.</summary>
public abstract record ImportOutcome
{
    /// <summary>A new project holds the app as its first version; its setup (install, dev server) runs now.</summary>
    public sealed record Accepted(string ProjectId) : ImportOutcome;

    /// <summary>The app may not be imported: which entry (null for the whole upload) and the rule it breaks.</summary>
    public sealed record Refused(string? Entry, string Rule, bool TooLarge) : ImportOutcome;

    /// <summary>The store already holds <paramref name="MaxProjects"/> projects (<c>Kiln:Quotas:MaxProjects</c>).</summary>
    public sealed record QuotaReached(int MaxProjects) : ImportOutcome;
}

/// <summary>
/// How an existing app becomes a project: the upload is unpacked and vetted first (<see cref="ZipImport"/>), so a
/// refused one claims and makes nothing; then the project is created with the files as its first version,
/// "imported", and queued for <see cref="ImportSetup"/>, which installs and starts it.
/// </summary>
public sealed partial class ImportIntake(
    IProjectStore store,
    ProjectWorkspace workspace,
    IProjectPlacement placement,
    ZipImport zips,
    GitImport git,
    VersionHistory versions,
    EventLog events,
    ImportSetup setup,
    IAgentRuntime runtime,
    ModelEndpointResolver models,
    TimeProvider time,
    IOptions<QuotaOptions> quotas,
    ILogger<ImportIntake> logger)
{
    /// <summary>Imports the zip <paramref name="zip"/> (a seekable stream) uploaded as <paramref name="fileName"/>.</summary>
    public Task<ImportOutcome> ImportZipAsync(Stream zip, string fileName, CancellationToken cancellationToken) =>
        ImportAsync(SourceName(fileName), token => zips.UnpackAsync(zip, token), cancellationToken);

    /// <summary>Imports the branch <paramref name="branch"/> (null: the default one) of the repository at <paramref name="url"/>.</summary>
    public Task<ImportOutcome> ImportGitAsync(string? url, string? branch, string? token, CancellationToken cancellationToken) =>
        // The source names the URL GitRemote accepted, which never holds a credential.
        ImportAsync(
            string.IsNullOrWhiteSpace(branch) ? (url ?? "").Trim() : $"{(url ?? "").Trim()} ({branch.Trim()})",
            cancellation => git.FetchAsync(url, branch, token, cancellation),
            cancellationToken);

    private async Task<ImportOutcome> ImportAsync(string source, Func<CancellationToken, Task<UnpackedApp>> unpack, CancellationToken cancellationToken)
    {
        var maxProjects = quotas.Value.MaxProjects;
        // Counted first, so a refusal unpacks nothing; the store counts again as it creates (below).
        if (maxProjects is { } max && await store.CountAsync(cancellationToken) >= max)
        {
            return new ImportOutcome.QuotaReached(max);
        }

        UnpackedApp unpacked;
        try
        {
            unpacked = await unpack(cancellationToken);
        }
        catch (ImportRefusedException refused)
        {
            LogRefused(logger, refused.Message);
            return new ImportOutcome.Refused(refused.Entry, refused.Rule, refused.TooLarge);
        }

        using (unpacked)
        {
            var projectId = placement.NewProjectId();
            await placement.ClaimNewAsync(projectId, cancellationToken);
            workspace.Create(projectId);
            unpacked.MoveTo(workspace.AppDirectory(projectId));
            var now = time.GetUtcNow();
            var project = new Project
            {
                Id = projectId,
                Status = ProjectStatus.Queued,
                // The import is the project's first prompt: what the timeline, the versions and the project list show for it.
                Prompts = [new ProjectPrompt($"Import {source}", now)],
                CreatedAt = now,
                UpdatedAt = now,
                Runtime = runtime.Name,
                Model = models.DefaultModel,
            };
            if (maxProjects is { } limit)
            {
                // Another request (on any instance) took the last place since the count.
                if (!await store.CreateWithinAsync(project, limit, cancellationToken))
                {
                    workspace.Delete(projectId);
                    return new ImportOutcome.QuotaReached(limit);
                }
            }
            else
            {
                await store.CreateAsync(project, cancellationToken);
            }

            using var scope = ProjectLogScope.Begin(logger, projectId);
            var app = workspace.AppDirectory(projectId);
            await File.WriteAllTextAsync(workspace.ImportRecord(projectId), source + "\n", CancellationToken.None);
            await events.AppendAsync(projectId, new AppImported(source, unpacked.Files, unpacked.Bytes, ImportedAppBriefing.Kind(app)), CancellationToken.None);
            await events.AppendAsync(projectId, new StatusChanged(ProjectStatus.Queued), CancellationToken.None);
            await versions.RecordImportAsync(projectId, $"Import {source}", CancellationToken.None);
            LogImported(logger, source, unpacked.Files, unpacked.Bytes);
            await setup.EnqueueAsync(projectId, cancellationToken);
            return new ImportOutcome.Accepted(projectId);
        }
    }

    /// <summary>The upload's name as events and versions show it: its last path part, printable, and never empty.</summary>
    private static string SourceName(string fileName)
    {
        var name = new string(Path.GetFileName(fileName.Replace('\\', '/')).Where(c => !char.IsControl(c)).Take(200).ToArray()).Trim();
        return name.Length == 0 ? "a zip" : name;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Source}: {Files} files, {Bytes} bytes")]
    private static partial void LogImported(ILogger logger, string source, int files, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
