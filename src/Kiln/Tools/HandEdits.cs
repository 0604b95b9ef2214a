using System.Collections.Concurrent;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Versions;
using Microsoft.Extensions.Options;

namespace Kiln.Tools;

/// <summary>
/// A person's own changes to an app's files (the API's PUT and DELETE of a file). They obey the rules the agent's
/// writes do (<see cref="FileWriteRules"/>), never overwrite a change they have not seen (a <see cref="FilePrecondition"/>
/// on the content's <see cref="ContentTag"/>), wait while a generation writes, reach a running dev server as any change
/// does (Vite's file watcher, so by HMR), and become versions authored <c>you</c>: the edits of one
/// <see cref="HandEditsOptions.BatchWindow"/> make one version, and a prompt sent sooner commits them before it runs.
/// </summary>
public sealed partial class HandEdits(
    IProjectStore store,
    ProjectWorkspace workspace,
    FileWriteRules rules,
    EventLog events,
    VersionHistory versions,
    TimeProvider time,
    IOptions<HandEditsOptions> options,
    ILogger<HandEdits> logger) : IProjectStateHolder, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Batch> _batches = new();

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> of the app, if <paramref name="precondition"/> holds.</summary>
    public async Task<HandEditOutcome> WriteAsync(
        string projectId, string path, byte[] content, FilePrecondition precondition, CancellationToken cancellationToken)
    {
        var batch = BatchOf(projectId);
        await batch.Gate.WaitAsync(cancellationToken);
        try
        {
            if (await RefusalAsync(projectId, cancellationToken) is { } refusal)
            {
                return refusal;
            }

            var app = new AppDirectory(workspace.AppDirectory(projectId));
            string full;
            try
            {
                full = FileWriteRules.ResolveWritable(app, path);
            }
            catch (PathRefusedException exception)
            {
                return new HandEditOutcome.Refused(exception.Message, Limit: null);
            }

            if (Directory.Exists(full))
            {
                return new HandEditOutcome.Refused($"'{path}' is a directory; give the path of a file.", Limit: null);
            }

            var existed = File.Exists(full);
            var current = existed ? await ContentTag.OfFileAsync(full, cancellationToken) : null;
            if (!precondition.HoldsFor(current))
            {
                return new HandEditOutcome.Changed(current);
            }

            var oldSize = existed ? new FileInfo(full).Length : 0;
            try
            {
                rules.CheckSize(content.Length);
                rules.EnsureRoom(projectId, path, content.Length - oldSize, newFile: !existed);
            }
            catch (FileWriteRefusedException exception)
            {
                return new HandEditOutcome.Refused(exception.Message, exception.Reason);
            }

            await AtomicFile.WriteAllBytesAsync(full, content, cancellationToken);
            rules.Wrote(projectId, content.Length - oldSize, newFile: !existed);
            var relative = app.Relative(full);
            EventData written = existed ? new FileUpdated(relative, content.Length) : new FileCreated(relative, content.Length);
            await events.AppendAsync(projectId, written, CancellationToken.None);
            batch.Add(relative, () => Schedule(projectId, batch));
            LogEdited(logger, projectId, relative);
            return new HandEditOutcome.Written(relative, content.Length, ContentTag.Of(content), Created: !existed);
        }
        finally
        {
            batch.Gate.Release();
        }
    }

    /// <summary>Deletes the file at <paramref name="path"/> of the app, if <paramref name="precondition"/> holds.</summary>
    public async Task<HandEditOutcome> DeleteAsync(string projectId, string path, FilePrecondition precondition, CancellationToken cancellationToken)
    {
        var batch = BatchOf(projectId);
        await batch.Gate.WaitAsync(cancellationToken);
        try
        {
            if (await RefusalAsync(projectId, cancellationToken) is { } refusal)
            {
                return refusal;
            }

            var app = new AppDirectory(workspace.AppDirectory(projectId));
            string full;
            try
            {
                full = FileWriteRules.ResolveWritable(app, path);
            }
            catch (PathRefusedException exception)
            {
                return new HandEditOutcome.Refused(exception.Message, Limit: null);
            }

            if (Directory.Exists(full))
            {
                return new HandEditOutcome.Refused($"'{path}' is a directory; delete its files one by one.", Limit: null);
            }

            if (!File.Exists(full))
            {
                return new HandEditOutcome.FileMissing(path);
            }

            if (!precondition.HoldsFor(await ContentTag.OfFileAsync(full, cancellationToken)))
            {
                return new HandEditOutcome.Changed(await ContentTag.OfFileAsync(full, cancellationToken));
            }

            File.Delete(full);
            rules.Removed(projectId);
            var relative = app.Relative(full);
            await events.AppendAsync(projectId, new FileDeleted(relative), CancellationToken.None);
            batch.Add(relative, () => Schedule(projectId, batch));
            LogDeleted(logger, projectId, relative);
            return new HandEditOutcome.Deleted(relative);
        }
        finally
        {
            batch.Gate.Release();
        }
    }

    /// <summary>
    /// Makes the hand edits not yet in a version one now (a prompt is about to run, a version is about to be restored),
    /// after any edit being written. Nothing happens when there are none.
    /// </summary>
    public async Task FlushAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!_batches.TryGetValue(projectId, out var batch))
        {
            return;
        }

        await batch.Gate.WaitAsync(cancellationToken);
        try
        {
            var paths = batch.Take();
            if (paths.Count == 0)
            {
                return;
            }

            try
            {
                await versions.RecordHandEditsAsync(projectId, paths, cancellationToken);
            }
            catch (Exception exception) when (exception is VersionHistoryException or IOException or SandboxUnavailableException)
            {
                // The files are written; the next version (a prompt's) holds them.
                LogVersionFailed(logger, projectId, exception.Message);
            }
        }
        finally
        {
            batch.Gate.Release();
        }
    }

    /// <summary>404 for a project that does not exist, 409 while one of its generations is queued or running.</summary>
    private async Task<HandEditOutcome?> RefusalAsync(string projectId, CancellationToken cancellationToken) =>
        await store.GetAsync(projectId, cancellationToken) switch
        {
            null => new HandEditOutcome.ProjectMissing(projectId),
            { Status: var status } when status.IsBusy() => new HandEditOutcome.Busy(projectId),
            _ => null,
        };

    private ITimer Schedule(string projectId, Batch batch) =>
        time.CreateTimer(_ => batch.Flushing = FlushAsync(projectId, CancellationToken.None), null, options.Value.BatchWindow, Timeout.InfiniteTimeSpan);

    private Batch BatchOf(string projectId) => _batches.GetOrAdd(projectId, static _ => new Batch());

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    async ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_batches.TryRemove(projectId, out var batch))
        {
            await batch.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var batch in _batches.Values)
        {
            await batch.DisposeAsync();
        }

        _batches.Clear();
    }

    /// <summary>One project's edits not yet in a version, the timer that will make them one, and the lock every edit takes.</summary>
    private sealed class Batch : IAsyncDisposable
    {
        private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
        private ITimer? _timer;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>The commit the timer started, if any, so that disposal waits for it.</summary>
        public Task? Flushing { get; set; }

        /// <summary>Adds an edited path (under <see cref="Gate"/>); the first of a batch starts its timer.</summary>
        public void Add(string path, Func<ITimer> schedule)
        {
            _paths.Add(path);
            _timer ??= schedule();
        }

        /// <summary>The batch's paths (under <see cref="Gate"/>), leaving it empty and its timer stopped.</summary>
        public List<string> Take()
        {
            _timer?.Dispose();
            _timer = null;
            var paths = _paths.ToList();
            _paths.Clear();
            return paths;
        }

        public async ValueTask DisposeAsync()
        {
            if (_timer is not null)
            {
                await _timer.DisposeAsync();
            }

            if (Flushing is { } flushing)
            {
                await flushing;
            }
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Project {ProjectId}: {Path} edited by hand")]
    private static partial void LogEdited(ILogger logger, string projectId, string path);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Project {ProjectId}: {Path} deleted by hand")]
    private static partial void LogDeleted(ILogger logger, string projectId, string path);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Project {ProjectId}: hand edits could not become a version: {Reason}")]
    private static partial void LogVersionFailed(ILogger logger, string projectId, string reason);
}

/// <summary>
/// What a hand edit requires of the file it changes: <c>If-Match</c> (one of these tags, or <c>*</c>: any content) and
/// <c>If-None-Match: *</c> (no file yet). With neither, the write is unconditional.
/// </summary>
public sealed record FilePrecondition(IReadOnlyList<string> IfMatch, bool MustBeAbsent)
{
    public static readonly FilePrecondition None = new([], MustBeAbsent: false);

    /// <summary>Whether the file, with <paramref name="currentTag"/> (null when there is none), may be changed.</summary>
    public bool HoldsFor(string? currentTag) =>
        (!MustBeAbsent || currentTag is null)
        && (IfMatch.Count == 0 || (currentTag is not null && IfMatch.Any(tag => tag == "*" || tag == currentTag)));
}

/// <summary>How a hand edit ended.</summary>
public abstract record HandEditOutcome
{
    private HandEditOutcome()
    {
    }

    public sealed record Written(string Path, long Size, string ETag, bool Created) : HandEditOutcome;

    public sealed record Deleted(string Path) : HandEditOutcome;

    public sealed record ProjectMissing(string ProjectId) : HandEditOutcome;

    public sealed record FileMissing(string Path) : HandEditOutcome;

    /// <summary>The precondition failed: the file changed since it was read (<c>CurrentTag</c>; null when it is gone) or already exists.</summary>
    public sealed record Changed(string? CurrentTag) : HandEditOutcome;

    public sealed record Busy(string ProjectId) : HandEditOutcome;

    /// <summary>A path rule or a limit said no; <c>Limit</c> is null for a path.</summary>
    public sealed record Refused(string Reason, FileWriteRefusal? Limit) : HandEditOutcome;
}
