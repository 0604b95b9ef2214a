using System.Buffers;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Versions;

/// <summary>
/// Unpacks an uploaded zip into a new folder, entry by entry, as a person's app and nothing else: every name is
/// checked before anything is written (no path that leaves the folder, no link or device, none of Kiln's own
/// folders), the bytes actually inflated are counted against <see cref="ImportOptions"/> (a header can lie), and a
/// single top-level folder (what GitHub's "Download ZIP" makes) is dropped. Everything goes to a scratch folder
/// beside the projects; on any refusal it is deleted, so a refused zip leaves nothing behind.
/// </summary>
public sealed partial class ZipImport(ProjectWorkspace workspace, IOptions<ImportOptions> options)
{
    /// <summary>Where imports are unpacked before they become a project: on the projects' disk, so moving one in is a rename.</summary>
    public string ScratchRoot => Path.Combine(workspace.Root, ".imports");

    /// <summary>Unpacks <paramref name="zip"/> (a seekable stream) into a scratch folder; throws <see cref="ImportRefusedException"/> when it may not be imported.</summary>
    public async Task<UnpackedApp> UnpackAsync(Stream zip, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var folder = Directory.CreateDirectory(Path.Combine(ScratchRoot, Guid.NewGuid().ToString("N"))).FullName;
        var unpacked = new UnpackedApp(folder);
        var done = false;
        try
        {
            ZipArchive archive;
            try
            {
                archive = await ZipArchive.CreateAsync(zip, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken);
            }
            catch (InvalidDataException exception)
            {
                throw new ImportRefusedException(null, $"The upload is not a zip archive Kiln can read ({exception.Message}). Send a .zip file.");
            }

            await using (archive)
            {
                var entries = Plan(archive.Entries, limits);
                foreach (var (entry, path) in entries)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await WriteAsync(entry, path, unpacked, limits, cancellationToken);
                }
            }

            if (unpacked.Files == 0)
            {
                throw new ImportRefusedException(null, "The zip holds no files of an app (node_modules and .git are left out). Zip the app's folder and send it again.");
            }

            done = true;
            return unpacked;
        }
        finally
        {
            // Whatever stopped it (a refusal, a corrupt entry, a cancelled request), nothing of the upload stays.
            if (!done)
            {
                unpacked.Dispose();
            }
        }
    }

    /// <summary>Checks every entry's name and kind, and decides where each goes, before a byte is written.</summary>
    private static List<(ZipArchiveEntry Entry, string Path)> Plan(IReadOnlyCollection<ZipArchiveEntry> entries, ImportOptions limits)
    {
        var kept = new List<(ZipArchiveEntry Entry, string[] Segments)>();
        foreach (var entry in entries)
        {
            if (PathRefusal(entry.FullName) is { } pathRule)
            {
                throw new ImportRefusedException(entry.FullName, pathRule);
            }

            if (KindRefusal(entry) is { } kindRule)
            {
                throw new ImportRefusedException(entry.FullName, kindRule);
            }

            var segments = entry.FullName.TrimEnd('/').Split('/');
            if (!IsLeftOut(segments))
            {
                kept.Add((entry, segments));
            }
        }

        // GitHub's archives (and most zips made of a folder) hold one top-level folder: the app is what is inside it.
        var strip = kept.Count > 0
            && kept.All(item => item.Segments.Length > 1 || IsDirectory(item.Entry))
            && kept.Select(item => item.Segments[0]).Distinct(StringComparer.Ordinal).Count() == 1
            && kept.Any(item => item.Segments.Length > 1);
        var planned = new List<(ZipArchiveEntry, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = 0;
        foreach (var (entry, segments) in kept)
        {
            var inApp = strip ? segments[1..] : segments;
            if (inApp.Length == 0)
            {
                continue; // The top-level folder itself.
            }

            if (KilnOwned.Contains(inApp[0]))
            {
                throw new ImportRefusedException(entry.FullName, $"'{inApp[0]}' at the top of the app is Kiln's own folder; an app may not bring one. Remove it from the zip.");
            }

            var path = string.Join('/', inApp);
            if (!seen.Add(path))
            {
                throw new ImportRefusedException(entry.FullName, $"'{path}' appears twice in the zip. Zip the app's folder afresh.");
            }

            if (!IsDirectory(entry) && ++files > limits.MaxFiles)
            {
                throw new ImportRefusedException(entry.FullName,
                    $"The zip holds more than {limits.MaxFiles} files (Kiln:Import:MaxFiles), leaving out node_modules and .git.", tooLarge: true);
            }

            planned.Add((entry, path));
        }

        return planned;
    }

    private static async Task WriteAsync(ZipArchiveEntry entry, string path, UnpackedApp unpacked, ImportOptions limits, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(Path.Combine(unpacked.Directory, path));
        // The names were checked above; this is the last word on where a file may go.
        if (!target.StartsWith(unpacked.Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ImportRefusedException(entry.FullName, "The entry's path leads out of the app's folder.");
        }

        try
        {
            if (IsDirectory(entry))
            {
                Directory.CreateDirectory(target);
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var source = await entry.OpenAsync(cancellationToken);
            await using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true);
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                long written = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    unpacked.Bytes += read;
                    CheckSize(entry, written, unpacked.Bytes, limits);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            unpacked.Files++;
        }
        catch (InvalidDataException exception)
        {
            throw new ImportRefusedException(entry.FullName, $"The entry cannot be read: {exception.Message}");
        }
        catch (IOException exception) when (exception is not PathTooLongException)
        {
            // A file where a folder must go (or the other way round): not a tree a folder can hold.
            throw new ImportRefusedException(entry.FullName, $"The entry cannot be written where it goes ({exception.Message}).");
        }
    }

    /// <summary>Counted on the bytes inflated so far, so a lying header or a bomb is stopped at the limit, not after it.</summary>
    private static void CheckSize(ZipArchiveEntry entry, long written, long total, ImportOptions limits)
    {
        if (written > limits.MaxFileBytes)
        {
            throw new ImportRefusedException(entry.FullName, $"The file is bigger than {limits.MaxFileBytes} bytes unpacked (Kiln:Import:MaxFileBytes).", tooLarge: true);
        }

        if (total > limits.MaxTotalBytes)
        {
            throw new ImportRefusedException(entry.FullName,
                $"The app's files come to more than {limits.MaxTotalBytes} bytes unpacked (Kiln:Import:MaxTotalBytes), leaving out node_modules and .git.", tooLarge: true);
        }

        if (written >= limits.RatioCheckedFromBytes && written > (long)limits.MaxCompressionRatio * Math.Max(entry.CompressedLength, 1))
        {
            throw new ImportRefusedException(entry.FullName,
                $"The file inflates to more than {limits.MaxCompressionRatio} times its compressed size (Kiln:Import:MaxCompressionRatio): it looks like a zip bomb.", tooLarge: true);
        }
    }

    /// <summary>Why a name may not be unpacked, or null: it must be a relative path, with '/' between names, that stays inside the app.</summary>
    internal static string? PathRefusal(string name)
    {
        if (name.Length == 0 || name == "/")
        {
            return "The entry has no name.";
        }

        if (name.Contains('\\', StringComparison.Ordinal))
        {
            return "The name has a backslash: zip names separate folders with '/', and a backslash may be read as one elsewhere.";
        }

        if (name.Any(char.IsControl))
        {
            return "The name has a control character.";
        }

        if (name.StartsWith('/'))
        {
            return "The name is an absolute path; every entry must be relative to the app's folder.";
        }

        if (DriveLetter().IsMatch(name))
        {
            return "The name starts with a drive letter; every entry must be relative to the app's folder.";
        }

        if (name.Length > 1024)
        {
            return "The name is longer than 1024 characters.";
        }

        var segments = name.EndsWith('/') ? name[..^1].Split('/') : name.Split('/');
        foreach (var segment in segments)
        {
            if (segment is "" or "." or "..")
            {
                return segment == ".."
                    ? "The name has '..': it would lead out of the app's folder."
                    : "The name has an empty or '.' folder; zip the app's folder afresh.";
            }

            if (segment.Length > 255)
            {
                return "A name in the path is longer than 255 characters.";
            }
        }

        return null;
    }

    /// <summary>Why the entry's kind may not be unpacked, or null for a file or folder (read from the Unix mode a zip made on Unix carries).</summary>
    private static string? KindRefusal(ZipArchiveEntry entry)
    {
        var unixType = (entry.ExternalAttributes >> 16) & UnixTypeMask;
        if (unixType == UnixSymlink)
        {
            return "The entry is a symbolic link; links are not imported, since one may point outside the app. Replace it with the file it points to.";
        }

        if (unixType is not (0 or UnixRegular or UnixDirectory))
        {
            return "The entry is not a regular file or folder (a device, pipe or socket).";
        }

        if ((entry.ExternalAttributes & DosReparsePoint) != 0)
        {
            return "The entry is a Windows link (a reparse point); links are not imported.";
        }

        return unixType == UnixDirectory && !IsDirectory(entry) ? "The entry is a folder whose name does not end with '/'." : null;
    }

    private static bool IsDirectory(ZipArchiveEntry entry) => entry.FullName.EndsWith('/');

    /// <summary>Folders and files that are never part of an app's sources, wherever they are: skipped, not refused.</summary>
    private static bool IsLeftOut(string[] segments) =>
        segments.Any(segment => segment is ".git" or ProtectedDirectories.ModulesDirectory or ".pnpm-store")
        || segments[0] == "__MACOSX"
        || segments[^1] == ".DS_Store";

    /// <summary>Kiln's own folders beside an app's files: an app that brought one could pass for Kiln's state.</summary>
    private static readonly HashSet<string> KilnOwned = new(StringComparer.Ordinal) { ProjectWorkspace.SessionDirectoryName, ".kiln" };

    private const int UnixTypeMask = 0xF000;
    private const int UnixRegular = 0x8000;
    private const int UnixDirectory = 0x4000;
    private const int UnixSymlink = 0xA000;
    private const int DosReparsePoint = 0x400;

    [GeneratedRegex("^[A-Za-z]:")]
    private static partial Regex DriveLetter();
}

/// <summary>An app unpacked into a scratch folder: deleted when disposed, unless it was moved into a project first.</summary>
public sealed class UnpackedApp(string directory) : IDisposable
{
    public string Directory { get; private set; } = directory;

    public int Files { get; internal set; }

    public long Bytes { get; internal set; }

    private bool _moved;

    /// <summary>Makes the unpacked files the app directory <paramref name="appDirectory"/> (which must not exist or be empty).</summary>
    public void MoveTo(string appDirectory)
    {
        if (System.IO.Directory.Exists(appDirectory))
        {
            System.IO.Directory.Delete(appDirectory); // Empty: a new project's; anything in it would make this throw.
        }

        System.IO.Directory.Move(Directory, appDirectory);
        Directory = appDirectory;
        _moved = true;
    }

    public void Dispose()
    {
        if (!_moved && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

/// <summary>An import Kiln refuses: which entry (null for the archive as a whole) and the rule it breaks, in words a person can act on.</summary>
public sealed class ImportRefusedException(string? entry, string rule, bool tooLarge = false)
    : Exception(entry is null ? rule : $"'{entry}': {rule}")
{
    public string? Entry { get; } = entry;

    public string Rule { get; } = rule;

    /// <summary>A size, count or ratio limit (413) rather than a name or kind that is never allowed (400).</summary>
    public bool TooLarge { get; } = tooLarge;
}
