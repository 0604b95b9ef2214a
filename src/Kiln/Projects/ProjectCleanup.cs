using System.Globalization;
using Microsoft.Extensions.Options;

namespace Kiln.Projects;

/// <summary>A project the cleanup policy removed, and why.</summary>
public sealed record CleanupRemoval(string ProjectId, DateTimeOffset LastUsed, string Reason);

/// <summary>
/// The cleanup policy (<see cref="CleanupOptions"/>): every <c>Interval</c>, removes idle projects that are too old,
/// then the least recently used beyond the most projects allowed, then the largest beyond the bytes allowed. A project
/// that is queued, generating, pinned, published or has a tool call running (from its agent or any MCP client) is never
/// removed: a published site is a promise to whoever has its URL. Removal is the same as DELETE /api/projects/{id}: files, events and dev server. In a
/// fleet every instance runs the policy over the shared list and removes only what it owns (or adopts).
/// </summary>
public sealed partial class ProjectCleanup(
    IProjectStore store,
    ProjectRemoval removal,
    IProjectPlacement placement,
    ProjectActivity activity,
    ProjectDiskUsage disk,
    ProjectWorkspace workspace,
    IOptions<CleanupOptions> options,
    TimeProvider time,
    ILogger<ProjectCleanup> logger) : BackgroundService
{
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
        // Every project counts towards the limits, pinned and busy ones too; only idle ones can go. Measured always,
        // not only under MaxDiskBytes: what the others hold is what a writer's quota leaves it (ProjectDiskUsage.MaxBytes).
        var sizes = projects.ToDictionary(p => p.Id, p => disk.Measure(p.Id).Bytes, StringComparer.Ordinal);
        var totalBytes = sizes.Values.Sum();
        var removed = new List<CleanupRemoval>();
        var idle = projects.Where(IsIdle).Select(p => (Project: p, LastUsed: activity.LastUsed(p))).ToList();

        foreach (var (project, lastUsed) in idle.Where(c => now - c.LastUsed > settings.MaxAge).OrderBy(c => c.LastUsed))
        {
            await RemoveAsync(project, lastUsed, $"not used for {Describe(now - lastUsed)}, longer than Kiln:Cleanup:MaxAge ({settings.MaxAge})");
        }

        // Too many: the least recently used first.
        foreach (var (project, lastUsed) in idle.OrderBy(c => c.LastUsed))
        {
            if (settings.MaxProjects is not { } maxProjects || remaining <= maxProjects)
            {
                break;
            }

            await RemoveAsync(project, lastUsed, $"{remaining} projects are more than Kiln:Cleanup:MaxProjects ({settings.MaxProjects}) and this is the least recently used");
        }

        // Too big: the largest first, so a project that grew costs its own place, not that of several small ones.
        foreach (var (project, lastUsed) in idle.OrderByDescending(c => sizes.GetValueOrDefault(c.Project.Id)).ThenBy(c => c.LastUsed))
        {
            if (settings.MaxDiskBytes is not { } maxBytes || totalBytes <= maxBytes)
            {
                break;
            }

            await RemoveAsync(project, lastUsed, $"projects take {totalBytes} bytes, more than Kiln:Cleanup:MaxDiskBytes ({settings.MaxDiskBytes}), " +
                                                 $"and this is the largest idle one ({sizes.GetValueOrDefault(project.Id)} bytes)");
        }

        return removed;

        async Task RemoveAsync(Project project, DateTimeOffset lastUsed, string reason)
        {
            if (!sizes.TryGetValue(project.Id, out var size))
            {
                // Removed earlier in this pass.
                return;
            }

            // Looked at again just before it goes: a prompt, a pin, a tool call or a visit since the list was read keeps it.
            var current = await store.GetAsync(project.Id, cancellationToken);
            if (current is null || !IsIdle(current) || activity.LastUsed(current) > lastUsed)
            {
                return;
            }

            // In a fleet, a project another instance owns is its owner's to remove (its dev server, its visits, its
            // pass); one nobody owns is adopted here first, like any request for it.
            if (!await placement.IsOwnedHereAsync(project.Id, cancellationToken))
            {
                return;
            }

            if (await removal.RemoveAsync(project.Id, cancellationToken))
            {
                remaining--;
                totalBytes -= size;
                sizes.Remove(project.Id);
                removed.Add(new CleanupRemoval(project.Id, lastUsed, reason));
                LogRemoved(logger, project.Id, lastUsed, reason);
            }
        }
    }

    /// <summary>Whether the cleanup may remove it: not pinned, not published, no generation running, no tool call running.</summary>
    private bool IsIdle(Project project) =>
        !project.Pinned && !project.Status.IsBusy() && !activity.IsInUse(project.Id) && !workspace.IsPublished(project.Id);

    /// <summary>Writes down the visits seen in memory, so a restart does not make visited projects look unused.</summary>
    private async Task RecordLastUseAsync(CancellationToken cancellationToken)
    {
        foreach (var (projectId, at) in activity.Snapshot())
        {
            await store.UpdateAsync(projectId, project => project.LastUsedAt >= at ? project : project with { LastUsedAt = at }, cancellationToken);
        }
    }

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
