using System.Globalization;
using Microsoft.Extensions.Options;

namespace Kiln.Projects;

/// <summary>A project the cleanup policy removed, and why.</summary>
public sealed record CleanupRemoval(string ProjectId, DateTimeOffset LastUsed, string Reason);

/// <summary>
/// The cleanup policy (<see cref="CleanupOptions"/>): every <c>Interval</c>, removes the least recently used idle
/// projects that are too old, or beyond the most projects or bytes allowed. A project that is queued, generating or
/// pinned is never removed. Removal is the same as DELETE /api/projects/{id}: files, events and dev server. In a
/// fleet every instance runs the policy over the shared list and removes only what it owns (or adopts).
/// </summary>
public sealed partial class ProjectCleanup(
    IProjectStore store,
    ProjectRemoval removal,
    IProjectPlacement placement,
    ProjectActivity activity,
    ProjectWorkspace workspace,
    IOptions<CleanupOptions> options,
    TimeProvider time,
    ILogger<ProjectCleanup> logger) : BackgroundService
{
    private static readonly EnumerationOptions AllFiles = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        // A link is counted as itself, never followed into what it points at.
        AttributesToSkip = FileAttributes.ReparsePoint,
    };

    // One pass at a time, whether the timer or a caller started it.
    private readonly SemaphoreSlim _pass = new(1, 1);
    private int _passes;

    /// <summary>How many passes have finished, so a test can wait for the one it caused.</summary>
    internal int CompletedPasses => Volatile.Read(ref _passes);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
#pragma warning disable CA1031 // A pass that fails (a store that is briefly away, a disk error) must not stop Kiln: the next one tries again.
                catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogPassFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Applies the limits once; returns what was removed, oldest first.</summary>
    public async Task<IReadOnlyList<CleanupRemoval>> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken);
        try
        {
            var removed = await PassAsync(options.Value, cancellationToken);
            Interlocked.Increment(ref _passes);
            return removed;
        }
        finally
        {
            _pass.Release();
        }
    }

    private async Task<List<CleanupRemoval>> PassAsync(CleanupOptions settings, CancellationToken cancellationToken)
    {
        await RecordLastUseAsync(cancellationToken);
        var projects = await store.ListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var remaining = projects.Count;
        // Every project counts towards the limits, pinned and busy ones too; only idle, unpinned ones can go.
        var sizes = settings.MaxDiskBytes is null ? null : projects.ToDictionary(p => p.Id, p => DirectorySize(workspace.ProjectDirectory(p.Id)));
        var totalBytes = sizes?.Values.Sum() ?? 0;
        var removed = new List<CleanupRemoval>();

        foreach (var (project, lastUsed) in projects.Where(IsRemovable).Select(p => (p, activity.LastUsed(p))).OrderBy(c => c.Item2).ToList())
        {
            var size = sizes?.GetValueOrDefault(project.Id) ?? 0;
            var reason = (now - lastUsed) > settings.MaxAge
                ? $"not used for {Describe(now - lastUsed)}, longer than Kiln:Cleanup:MaxAge ({settings.MaxAge})"
                : remaining > settings.MaxProjects
                    ? $"{remaining} projects are more than Kiln:Cleanup:MaxProjects ({settings.MaxProjects}) and this is the least recently used"
                    : totalBytes > settings.MaxDiskBytes
                        ? $"projects take {totalBytes} bytes, more than Kiln:Cleanup:MaxDiskBytes ({settings.MaxDiskBytes}), and this is the least recently used ({size} bytes)"
                        : null;
            if (reason is null)
            {
                continue;
            }

            // Looked at again just before it goes: a prompt, a pin or a visit since the list was read keeps it.
            var current = await store.GetAsync(project.Id, cancellationToken);
            if (current is null || !IsRemovable(current) || activity.LastUsed(current) > lastUsed)
            {
                continue;
            }

            // In a fleet, a project another instance owns is its owner's to remove (its dev server, its visits, its
            // pass); one nobody owns is adopted here first, like any request for it.
            if (!await placement.IsOwnedHereAsync(project.Id, cancellationToken))
            {
                continue;
            }

            if (await removal.RemoveAsync(project.Id, cancellationToken))
            {
                remaining--;
                totalBytes -= size;
                removed.Add(new CleanupRemoval(project.Id, lastUsed, reason));
                LogRemoved(logger, project.Id, lastUsed, reason);
            }
        }

        return removed;
    }

    private static bool IsRemovable(Project project) => !project.Pinned && !project.Status.IsBusy();

    /// <summary>Writes down the visits seen in memory, so a restart does not make visited projects look unused.</summary>
    private async Task RecordLastUseAsync(CancellationToken cancellationToken)
    {
        foreach (var (projectId, at) in activity.Snapshot())
        {
            await store.UpdateAsync(projectId, project => project.LastUsedAt >= at ? project : project with { LastUsedAt = at }, cancellationToken);
        }
    }

    private static long DirectorySize(string directory) =>
        Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*", AllFiles).Sum(file => file.Length) : 0;

    private static string Describe(TimeSpan age) => age.TotalDays >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalDays:0.#} days")
        : string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:0.#} hours");

    public override void Dispose()
    {
        _pass.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed project {ProjectId}, last used {LastUsed:O}: {Reason}")]
    private static partial void LogRemoved(ILogger logger, string projectId, DateTimeOffset lastUsed, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A cleanup pass failed; the next one tries again")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
