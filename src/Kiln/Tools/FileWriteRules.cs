using System.Text;
using Kiln.Projects;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Tools;

/// <summary>
/// The rules every write into an app obeys, whoever writes (the agent's file tools, a person's hand edit through the
/// API): the path stays inside the app and out of the directories Kiln protects, a file has at most
/// <see cref="ToolsOptions.MaxFileBytes"/>, and the app stays within its file limit and the project's disk quota.
/// A refusal is a <see cref="FileWriteRefusedException"/> (or the path's <see cref="PathRefusedException"/>) that each
/// edge translates.
/// </summary>
public sealed class FileWriteRules(ProjectDiskUsage disk, IOptions<ToolsOptions> options)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private readonly ToolsOptions _limits = options.Value;

    public int MaxFileBytes => _limits.MaxFileBytes;

    /// <summary>
    /// Resolves a path to write or delete: <see cref="AppDirectory.Resolve"/>'s confinement, and never inside what
    /// the app's commands may not write either (<see cref="ProtectedDirectories"/>: Kiln's history, the package store).
    /// </summary>
    public static string ResolveWritable(AppDirectory app, string path)
    {
        var full = app.Resolve(path);
        foreach (var protectedDirectory in ProtectedDirectories.Of(app.Root))
        {
            var root = Path.TrimEndingDirectorySeparator(protectedDirectory);
            if (full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new PathRefusedException(
                    $"Refused path '{path}': {app.Relative(root)} belongs to Kiln and the package manager, and is never written by hand or by a tool.");
            }
        }

        return full;
    }

    /// <summary>The UTF-8 bytes of <paramref name="content"/>, refused when the file would be too big.</summary>
    public byte[] Encode(string content)
    {
        var bytes = Utf8.GetBytes(content);
        CheckSize(bytes.Length);
        return bytes;
    }

    public void CheckSize(long length)
    {
        if (length > _limits.MaxFileBytes)
        {
            throw new FileWriteRefusedException(
                FileWriteRefusal.TooLarge,
                $"The content is {length} bytes; a file may have at most {_limits.MaxFileBytes} (Kiln:Tools:MaxFileBytes). Split it into smaller modules.");
        }
    }

    /// <summary>
    /// Refuses a write that would take the project past its disk quota or, for a new file, the app past its file limit
    /// (files only; node_modules and dot-directories do not count). A remembered measurement that says no is measured
    /// again before the refusal, so only a fresh walk refuses.
    /// </summary>
    public void EnsureRoom(string projectId, string path, long grows, bool newFile)
    {
        var maxBytes = disk.MaxBytes(projectId);
        var usage = disk.Current(projectId);
        if (!Fits(usage))
        {
            usage = disk.Measure(projectId);
        }

        if (newFile && usage.Files >= _limits.MaxFiles)
        {
            throw new FileWriteRefusedException(
                FileWriteRefusal.NoRoom,
                $"Refused: the app already has {usage.Files} files, the most allowed (Kiln:Tools:MaxFiles is {_limits.MaxFiles}; files in node_modules " +
                $"and dot-directories do not count), so '{path}' was not created. Delete files the app no longer needs, or put more in one file.");
        }

        if (grows > 0 && usage.Bytes + grows > maxBytes)
        {
            throw new FileWriteRefusedException(
                FileWriteRefusal.NoRoom,
                $"Refused: writing '{path}' would take the project to {DiskQuotaExceeded.Size(usage.Bytes + grows)}, past its disk quota of " +
                $"{DiskQuotaExceeded.Size(maxBytes)} (Kiln:Quotas:MaxProjectBytes); it holds {DiskQuotaExceeded.Size(usage.Bytes)} now, and the file is unchanged. " +
                "Free space first: delete what the app does not need (build output such as dist/ or .next/, generated or downloaded files) with delete_file, " +
                "then write again.");
        }

        bool Fits(DiskUsage known) => (!newFile || known.Files < _limits.MaxFiles) && (grows <= 0 || known.Bytes + grows <= maxBytes);
    }

    /// <summary>Records a write's effect on the project's disk usage.</summary>
    public void Wrote(string projectId, long grew, bool newFile) => disk.Changed(projectId, grew, newFile ? 1 : 0);

    /// <summary>Forgets the remembered usage after a removal (it is measured again when next asked).</summary>
    public void Removed(string projectId) => disk.Invalidate(projectId);
}

/// <summary>Why a write was refused: the file itself is too big, or the app has no room for it.</summary>
public enum FileWriteRefusal
{
    TooLarge,
    NoRoom,
}

/// <summary>A write that breaks a limit of the app, with a sentence saying which and what to do.</summary>
public sealed class FileWriteRefusedException(FileWriteRefusal reason, string message) : Exception(message)
{
    public FileWriteRefusal Reason { get; } = reason;
}
