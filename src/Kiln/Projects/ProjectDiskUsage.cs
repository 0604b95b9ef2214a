using System.Collections.Concurrent;
using System.IO.Enumeration;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Projects;

/// <summary>
/// How much each project holds on disk, measured by walking it and remembered, so the file tools need not walk a
/// 50,000-file node_modules for every write, and a command's quota knows what the other projects hold
/// (<see cref="CleanupOptions.MaxDiskBytes"/> is shared). Bytes are every file of the project's directory at its
/// apparent size, links not followed; files are those of the app that count against <c>Kiln:Tools:MaxFiles</c>:
/// files only (not directories), outside node_modules and directories whose names start with a dot (.git, .next,
/// caches), which package managers and build tools fill with thousands of files.
/// </summary>
public sealed class ProjectDiskUsage(ProjectWorkspace workspace, IOptions<QuotaOptions> quotas, IOptions<CleanupOptions> cleanup, TimeProvider time)
    : IProjectStateHolder
{
    /// <summary>How long a measurement is trusted before a write that could go over the limit measures again.</summary>
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);

    private static readonly EnumerationOptions Everything = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        // Not Hidden: on Unix that is every dot-name. A link is skipped, never followed into what it points at.
        AttributesToSkip = FileAttributes.ReparsePoint,
    };

    private readonly ConcurrentDictionary<string, Measured> _known = new(StringComparer.Ordinal);

    /// <summary>Walks the project now and remembers the answer.</summary>
    public DiskUsage Measure(string projectId)
    {
        var directory = workspace.ProjectDirectory(projectId);
        var usage = Directory.Exists(directory) ? Walk(directory, workspace.AppDirectory(projectId)) : default;
        _known[projectId] = new Measured(usage, time.GetTimestamp());
        return usage;
    }

    /// <summary>What the project holds, from a measurement no older than <see cref="Fresh"/>, else measured now.</summary>
    public DiskUsage Current(string projectId) =>
        _known.TryGetValue(projectId, out var known) && time.GetElapsedTime(known.At) < Fresh ? known.Usage : Measure(projectId);

    /// <summary>Notes a change Kiln made itself (a file tool's write), so the next check sees it without a walk.</summary>
    public void Changed(string projectId, long bytes, int files) =>
        _known.AddOrUpdate(projectId, static (_, _) => default, static (_, known, change) =>
            known with { Usage = new DiskUsage(known.Usage.Bytes + change.Bytes, known.Usage.Files + change.Files) }, (Bytes: bytes, Files: files));

    /// <summary>Forgets what was measured: the project changed in ways only a walk sees (a command ran).</summary>
    public void Invalidate(string projectId) => _known.TryRemove(projectId, out _);

    /// <summary>
    /// The most bytes the project may hold now: <see cref="QuotaOptions.MaxProjectBytes"/>, or less when every project
    /// together may hold at most <see cref="CleanupOptions.MaxDiskBytes"/> and the others (as last measured) leave
    /// less room, so one writer is stopped instead of the cleanup removing idle projects to make room for it.
    /// </summary>
    public long MaxBytes(string projectId)
    {
        var max = quotas.Value.MaxProjectBytes;
        if (cleanup.Value.MaxDiskBytes is { } shared)
        {
            var others = _known.Where(known => known.Key != projectId).Sum(known => known.Value.Usage.Bytes);
            max = Math.Min(max, Math.Max(0, shared - others));
        }

        return max;
    }

    /// <summary>The quota a command or dev server of the project runs under.</summary>
    public DiskQuota QuotaFor(string projectId, int maxFiles = int.MaxValue) =>
        new(workspace.ProjectDirectory(projectId), MaxBytes(projectId), maxFiles, () => Measure(projectId));

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        Invalidate(projectId);
        return ValueTask.CompletedTask;
    }

    private static DiskUsage Walk(string projectDirectory, string appDirectory)
    {
        var app = Path.TrimEndingDirectorySeparator(appDirectory);
        var entries = new FileSystemEnumerable<(long Length, bool Counted)>(
            projectDirectory, (ref entry) => (entry.Length, IsCounted(entry.Directory, app)), Everything)
        {
            ShouldIncludePredicate = (ref entry) => !entry.IsDirectory,
        };

        long bytes = 0;
        var files = 0;
        foreach (var (length, counted) in entries)
        {
            bytes += length;
            if (counted)
            {
                files++;
            }
        }

        return new DiskUsage(bytes, files);
    }

    /// <summary>Whether a file in <paramref name="directory"/> counts: inside the app, in no node_modules or dot-directory.</summary>
    private static bool IsCounted(ReadOnlySpan<char> directory, string app)
    {
        if (!directory.StartsWith(app, StringComparison.Ordinal) || (directory.Length > app.Length && directory[app.Length] != '/'))
        {
            return false;
        }

        foreach (var range in directory[app.Length..].Split('/'))
        {
            var name = directory[app.Length..][range];
            if (name.Length > 0 && (name[0] == '.' || name.SequenceEqual("node_modules")))
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct Measured(DiskUsage Usage, long At);
}
