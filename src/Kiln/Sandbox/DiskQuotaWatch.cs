using System.Diagnostics;

namespace Kiln.Sandbox;

/// <summary>
/// Watches a running command's project against its <see cref="DiskQuota"/> (see there for why it is a watch and not
/// a kernel limit). Measuring a project walks it, node_modules included, which takes a while for a large one, so it is
/// walked only when the file system's free space (or free inodes) fell by more than the room left, or when the last
/// walk is old; between walks a poll costs one statvfs. Another writer on the same file system (another project, the
/// package store) can make the free space fall too: that only causes an extra walk, never a stop, because only a walk
/// stops a command. Walks are spaced by a multiple of how long the last one took, so a big project is not walked
/// back to back.
/// </summary>
internal static class DiskQuotaWatch
{
    // Real time, like the runner's other waits on the kernel: a test's fake clock must not stall a watch.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(3);

    /// <summary>Returns how the project went over a limit, or null when <paramref name="cancellationToken"/> ended the watch first.</summary>
    public static async Task<DiskQuotaExceeded?> FirstExcessAsync(DiskQuota quota, CancellationToken cancellationToken)
    {
        var walk = Stopwatch.StartNew();
        var start = quota.Measure();
        var walkCost = walk.Elapsed;
        // Over a limit already (a lowered quota, a write outside any command): a command that frees space must still
        // run, so only growth beyond where it started stops it.
        var maxBytes = Math.Max(quota.MaxBytes, start.Bytes);
        var maxFiles = Math.Max(quota.MaxFiles, start.Files);
        var measured = start;
        var space = NativeMethods.FreeSpace(quota.Directory);
        var sinceWalk = Stopwatch.StartNew();

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, TimeProvider.System, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            var now = NativeMethods.FreeSpace(quota.Directory);
            var (grewBytes, grewFiles) = space is { } before && now is { } after ? (before.Bytes - after.Bytes, before.Files - after.Files) : (0, 0);
            var mayBeOver = measured.Bytes + grewBytes > maxBytes || measured.Files + grewFiles > maxFiles;
            var spacing = mayBeOver ? walkCost * 4 : Max(RecheckInterval, walkCost * 20);
            if (sinceWalk.Elapsed < spacing)
            {
                continue;
            }

            walk.Restart();
            measured = quota.Measure();
            walkCost = walk.Elapsed;
            space = now;
            sinceWalk.Restart();
            if (measured.Bytes > maxBytes || measured.Files > maxFiles)
            {
                return new DiskQuotaExceeded(measured, quota.MaxBytes, quota.MaxFiles);
            }
        }

        return null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
