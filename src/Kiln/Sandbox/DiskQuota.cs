using System.Globalization;

namespace Kiln.Sandbox;

/// <summary>What a project holds on disk: all its bytes, and the files that count against its file limit.</summary>
public readonly record struct DiskUsage(long Bytes, int Files);

/// <summary>
/// What a command's project may hold while the command runs. No file system here limits a directory for an
/// unprivileged process (project quotas need root and a mount option; a size-limited tmpfs would lose the files), so
/// the runner watches: <paramref name="Directory"/>'s file system is asked for its free space every few hundred
/// milliseconds (one syscall), and the project is measured with <paramref name="Measure"/> when that says it may have
/// grown past a limit, or every few seconds in any case. A command that takes the project past a limit, beyond what
/// it held when the command started, has its whole tree stopped.
/// </summary>
/// <param name="Directory">The project's directory, on the file system that fills up.</param>
/// <param name="MaxBytes">The most bytes the project may hold.</param>
/// <param name="MaxFiles">The most files it may hold that count (<see cref="DiskUsage.Files"/>).</param>
/// <param name="Measure">Measures the project now; it is called on the watcher's thread and must not follow links out.</param>
public sealed record DiskQuota(string Directory, long MaxBytes, int MaxFiles, Func<DiskUsage> Measure);

/// <summary>A command stopped because its project outgrew its <see cref="DiskQuota"/>: what it held then, and the limits.</summary>
public sealed record DiskQuotaExceeded(DiskUsage Usage, long MaxBytes, int MaxFiles)
{
    public bool TooManyBytes => Usage.Bytes > MaxBytes;

    /// <summary>One sentence for a person or a model: which limit, how much the project holds.</summary>
    public string Describe() => TooManyBytes
        ? $"the project holds {Size(Usage.Bytes)}, more than its disk quota of {Size(MaxBytes)}"
        : $"the app holds {Usage.Files.ToString("N0", CultureInfo.InvariantCulture)} files, more than its limit of {MaxFiles.ToString("N0", CultureInfo.InvariantCulture)}";

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0#} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };
}
