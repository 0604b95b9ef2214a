using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sandbox;

namespace Kiln.Versions;

/// <summary>
/// Each project's versions (DESIGN.md section 9): a commit of the app when each generation ends, whatever its
/// outcome, with the prompt as its message; the list, diffs and files of versions are read back from git, and a
/// restore is a new version equal to an old one, so history only grows. One write at a time per project.
/// </summary>
public sealed partial class VersionHistory(
    AppRepository repository,
    ProjectWorkspace workspace,
    IProjectStore store,
    IEventStore eventStore,
    EventLog events,
    DevServerSupervisor devServers,
    DurableState durable,
    ILogger<VersionHistory> logger) : IProjectStateHolder
{
    private const char RecordSeparator = '\u001e';
    private const char FieldSeparator = '\u001f';

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    /// <summary>
    /// Prepares the app's repository before a generation runs, and returns the prompt the agent should get: when the
    /// latest version is a restore, a note that the files were restored comes first, so the agent does not trust what
    /// it remembers of them.
    /// </summary>
    public async Task<string> PromptForAgentAsync(string projectId, string prompt, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var app = workspace.AppDirectory(projectId);
        // A restore that began just before this generation was queued finishes first, so the agent starts on its files.
        var gate = Gate(projectId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await repository.EnsureAsync(app, cancellationToken);
            var versions = await ListAsync(projectId, cancellationToken);
            if (versions is [.., { Outcome: VersionOutcome.Restored, RestoredFrom: { } from } latest])
            {
                var restored = versions[from - 1];
                return $"""
                    <system-reminder>
                    Before this message, the person restored the app's files to version {from} (made by the prompt "{OneLine(restored.Prompt)}"); that restore is version {latest.Number}. Every file is now exactly as it was in version {from}: changes made after it are gone, including any you remember making. Read a file again before you edit it.
                    </system-reminder>

                    {prompt}
                    """;
            }
        }
        catch (Exception exception) when (exception is VersionHistoryException or IOException or SandboxUnavailableException)
        {
            LogHistoryUnavailable(logger, exception.Message);
        }
        finally
        {
            gate.Release();
        }

        return prompt;
    }

    /// <summary>
    /// Commits the app as a new version at the end of a generation, whatever its outcome (an empty change too, so every
    /// prompt is a version), and announces it with <c>version_created</c>. A failure is logged and never stops the
    /// generation from recording how it ended.
    /// </summary>
    public async Task<AppVersion?> RecordGenerationAsync(string projectId, ProjectStatus status, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var project = await store.GetAsync(projectId, cancellationToken);
        var app = workspace.AppDirectory(projectId);
        if (project is null || !Directory.Exists(app))
        {
            return null; // Deleted while it ran.
        }

        var outcome = status switch
        {
            ProjectStatus.Failed => VersionOutcome.Failed,
            ProjectStatus.Cancelled => VersionOutcome.Cancelled,
            ProjectStatus.Interrupted => VersionOutcome.Interrupted,
            _ => VersionOutcome.Ready,
        };

        try
        {
            return await CommitAsync(projectId, project.LatestPrompt, outcome, restoreOf: null, cancellationToken);
        }
        catch (Exception exception) when (exception is VersionHistoryException or IOException or SandboxUnavailableException or ObjectDisposedException)
        {
            LogCommitFailed(logger, exception.Message);
            return null;
        }
    }

    /// <summary>
    /// Commits an imported app as the project's first version, with <paramref name="description"/> (where it came from)
    /// as its message, and announces it with <c>version_created</c>.
    /// </summary>
    public async Task<AppVersion> RecordImportAsync(string projectId, string description, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        return await CommitAsync(projectId, description, VersionOutcome.Imported, restoreOf: null, cancellationToken);
    }

    /// <summary>
    /// Commits the person's hand edits of <paramref name="paths"/> as one version, author <c>you</c>, and announces it with
    /// <c>version_created</c>; null when the app is as the latest version has it (an edit saved back unchanged).
    /// </summary>
    public async Task<AppVersion?> RecordHandEditsAsync(string projectId, IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        if (!Directory.Exists(workspace.AppDirectory(projectId)))
        {
            return null; // Deleted since.
        }

        var names = paths.Order(StringComparer.Ordinal).ToList();
        var message = names.Count <= 3
            ? $"Edited {string.Join(", ", names)}"
            : $"Edited {names.Count} files: {string.Join(", ", names.Take(3))} and {names.Count - 3} more";
        return await CommitAsync(projectId, message, VersionOutcome.Edited, restoreOf: null, cancellationToken, VersionAuthor.You);
    }

    /// <summary>
    /// The files the person changed by hand since the agent last made a version: what the versions authored <c>you</c>
    /// after it changed (added, modified or removed), in path order. Empty when the latest version is not the person's.
    /// </summary>
    public async Task<IReadOnlyList<string>> EditedByPersonAsync(string projectId, CancellationToken cancellationToken)
    {
        var versions = await ListAsync(projectId, cancellationToken);
        var mine = versions.Reverse().TakeWhile(version => version.Author == VersionAuthor.You).ToList();
        if (mine.Count == 0)
        {
            return [];
        }

        var app = workspace.AppDirectory(projectId);
        var first = mine[^1];
        var from = first.Number > 1 ? first.Commit + "^" : AppRepository.EmptyTree;
        var names = await repository.ReadOutputAsync(app, output =>
            ["diff", "--name-only", "-z", "--no-ext-diff", "--no-textconv", "--no-renames", $"--output={output}", from, mine[0].Commit, "--"],
            cancellationToken);
        return [.. Encoding.UTF8.GetString(names).Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    /// <summary>The project's versions, oldest first; empty when it has none yet.</summary>
    public async Task<IReadOnlyList<AppVersion>> ListAsync(string projectId, CancellationToken cancellationToken)
    {
        var app = workspace.AppDirectory(projectId);
        if (!AppRepository.Exists(app))
        {
            return [];
        }

        var head = await repository.RunAsync(app, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cancellationToken);
        if (head.ExitCode != 0)
        {
            return []; // A repository with no version yet.
        }

        var log = await repository.ReadOutputAsync(app, output =>
        [
            "log", "--first-parent", "--reverse", "--numstat", "--no-ext-diff", "--no-textconv",
            $"--format={RecordSeparator}%H{FieldSeparator}%aI{FieldSeparator}%an{FieldSeparator}%B{FieldSeparator}",
            $"--output={output}", "HEAD", "--",
        ], cancellationToken);
        return ParseLog(Encoding.UTF8.GetString(log));
    }

    /// <summary>
    /// The unified diff (as <c>git diff</c> prints it) from <paramref name="against"/>, or the version before, to
    /// <paramref name="version"/>; the first version is compared with an empty app.
    /// </summary>
    public async Task<byte[]> DiffAsync(string projectId, AppVersion version, AppVersion? against, CancellationToken cancellationToken)
    {
        var app = workspace.AppDirectory(projectId);
        var from = against?.Commit ?? (version.Number > 1 ? version.Commit + "^" : AppRepository.EmptyTree);
        return await repository.ReadOutputAsync(app, output =>
            ["diff", "--no-color", "--no-ext-diff", "--no-textconv", $"--output={output}", from, version.Commit, "--"],
            cancellationToken);
    }

    /// <summary>A file as it was in a version: its exact bytes, or null when the version has no such regular file.</summary>
    public async Task<byte[]?> ReadFileAsync(string projectId, AppVersion version, string path, CancellationToken cancellationToken)
    {
        var app = workspace.AppDirectory(projectId);
        // "<commit>:<path>" names the path literally; anything but a file (a directory, nothing) is not found.
        var type = await repository.RunAsync(app, ["cat-file", "-t", $"{version.Commit}:{path}"], cancellationToken);
        if (type.ExitCode != 0 || type.Output.Trim() != "blob")
        {
            return null;
        }

        // An archive, because git writes it to a file: the runner's output is text, and a file may be binary.
        var archive = await repository.ReadOutputAsync(app, output =>
            ["archive", "--format=tar", $"--output={output}", version.Commit, "--", path],
            cancellationToken);
        using var reader = new System.Formats.Tar.TarReader(new MemoryStream(archive));
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.Name == path && entry.EntryType is System.Formats.Tar.TarEntryType.RegularFile or System.Formats.Tar.TarEntryType.V7RegularFile)
            {
                using var content = new MemoryStream();
                if (entry.DataStream is not null)
                {
                    await entry.DataStream.CopyToAsync(content, cancellationToken);
                }

                return content.ToArray();
            }
        }

        return null;
    }

    /// <summary>
    /// Makes the app exactly <paramref name="version"/> again, as a new version: every file it had, byte for byte, and
    /// nothing else (files made since are removed); ignored files such as node_modules are not touched. A dev server
    /// that runs is restarted on the restored files. Emits <c>version_created</c> then <c>version_restored</c>.
    /// </summary>
    public async Task<RestoreResult> RestoreAsync(string projectId, AppVersion version, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var app = workspace.AppDirectory(projectId);
        var restored = await CommitAsync(projectId, $"Restore version {version.Number}", VersionOutcome.Restored, version, cancellationToken);
        await events.AppendAsync(projectId, new VersionRestored(restored.Number, version.Number), CancellationToken.None);
        LogRestored(logger, version.Number, restored.Number);

        var devServerRestarted = false;
        if (devServers.State(projectId) is DevServerState.Running or DevServerState.Starting)
        {
            // Vite and Next pick up changed files by themselves, but not a changed package.json or config: start afresh.
            await devServers.StopServerAsync(projectId, DevServerStopReason.Requested, cancellationToken);
            var source = PreviewSource.Detect(app);
            if (source.DevServer is not null && source.CannotRunReason() is null)
            {
                var started = await devServers.EnsureRunningAsync(projectId, source.DevServer, explicitStart: true, cancellationToken);
                devServerRestarted = started.Ready;
            }
        }

        return new RestoreResult(restored, version.Number, devServerRestarted);
    }

    private async Task<AppVersion> CommitAsync(
        string projectId, string prompt, VersionOutcome outcome, AppVersion? restoreOf, CancellationToken cancellationToken,
        VersionAuthor author = VersionAuthor.Kiln)
    {
        var app = workspace.AppDirectory(projectId);
        var gate = Gate(projectId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await repository.EnsureAsync(app, cancellationToken);
            AppRepository.RemoveStaleLock(app);
            var before = await ListAsync(projectId, cancellationToken);

            // A generation's events, from its generation_queued to the last one before this version; a restore has none.
            long? firstEvent = null, lastEvent = null;
            if (restoreOf is null)
            {
                var after = before.LastOrDefault(v => v.LastEvent is not null)?.LastEvent ?? 0;
                await foreach (var stored in eventStore.ReadAsync(projectId, after, cancellationToken))
                {
                    firstEvent = stored.Type == "generation_queued" || firstEvent is null ? stored.Seq : firstEvent;
                    lastEvent = stored.Seq;
                }
            }

            // Everything the app holds now goes to the index first, so that a restore also removes files never committed.
            await repository.RunCheckedAsync(app, ["add", "--all", "--", "."], cancellationToken);
            if (restoreOf is not null)
            {
                // The index and the files become the old version's: changed files rewritten, files it did not have removed.
                await repository.RunCheckedAsync(app, ["read-tree", "--reset", "-u", restoreOf.Commit], cancellationToken);
            }

            var message = new VersionMessage(prompt, outcome, firstEvent, lastEvent, restoreOf?.Commit);
            string[] commit = ["commit", "--quiet", "--allow-empty", "--no-verify", "--cleanup=whitespace", "--file=-"];
            await repository.RunCheckedAsync(
                app, author == VersionAuthor.You ? [.. commit, $"--author={AppRepository.PersonAuthor}"] : commit, cancellationToken, message.Format());

            var created = (await ListAsync(projectId, cancellationToken))[^1];
            await events.AppendAsync(
                projectId,
                new VersionCreated(created.Number, created.Commit, created.Prompt, created.Outcome, created.FilesChanged, created.Insertions, created.Deletions, created.Author),
                CancellationToken.None);
            LogCommitted(logger, created.Number, created.ShortCommit, created.FilesChanged);
            // Under the history's lock, so the replica holds this version (and the conversation and attachments that led to it) before the next one starts.
            await durable.ChangedAsync(projectId, CancellationToken.None);
            return created;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>One write to a project's history at a time (a generation's version, a restore, hand edits).</summary>
    private SemaphoreSlim Gate(string projectId) => _locks.GetOrAdd(projectId, static _ => new SemaphoreSlim(1, 1));

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        _locks.TryRemove(projectId, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads <c>git log</c> output written with record and field separators, numstat lines after each record.</summary>
    private static List<AppVersion> ParseLog(string log)
    {
        var versions = new List<AppVersion>();
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in log.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = record.Split(FieldSeparator);
            if (fields.Length < 5)
            {
                continue;
            }

            var (commit, at, message, stats) = (fields[0], DateTimeOffset.Parse(fields[1], CultureInfo.InvariantCulture), VersionMessage.Parse(fields[3]), fields[4]);
            var author = fields[2] == AppRepository.PersonAuthorName ? VersionAuthor.You : VersionAuthor.Kiln;
            int files = 0, insertions = 0, deletions = 0;
            foreach (var line in stats.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var columns = line.Split('\t', 3);
                if (columns.Length < 3)
                {
                    continue;
                }

                files++;
                // A binary file shows '-' for both counts.
                insertions += int.TryParse(columns[0], NumberStyles.None, CultureInfo.InvariantCulture, out var added) ? added : 0;
                deletions += int.TryParse(columns[1], NumberStyles.None, CultureInfo.InvariantCulture, out var removed) ? removed : 0;
            }

            var number = versions.Count + 1;
            numbers[commit] = number;
            int? restoredFrom = message.RestoredFrom is { } from && numbers.TryGetValue(from, out var n) ? n : null;
            versions.Add(new AppVersion(
                number, commit, message.Prompt, at, message.Outcome, restoredFrom, files, insertions, deletions, message.FirstEvent, message.LastEvent, author));
        }

        return versions;
    }

    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Version {Number} ({Commit}): {FilesChanged} files changed")]
    private static partial void LogCommitted(ILogger logger, int number, string commit, int filesChanged);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Could not record a version: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Version {From} restored as version {Number}")]
    private static partial void LogRestored(ILogger logger, int from, int number);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "The version history could not be read: {Reason}")]
    private static partial void LogHistoryUnavailable(ILogger logger, string reason);
}

/// <summary>What a restore made: the new version, the version it brought back, and whether the dev server was restarted.</summary>
public sealed record RestoreResult(AppVersion Version, int RestoredFrom, bool DevServerRestarted);
