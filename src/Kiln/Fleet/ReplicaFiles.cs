using System.Formats.Tar;
using System.IO.Compression;
using Kiln.Projects;

namespace Kiln.Fleet;

/// <summary>
/// Kiln's own durable files of a project, beside the app, as one tar.gz: the agent's conversation and session files
/// (<c>.claude-session</c>, without its scratch <c>tmp</c>), the prompts' attachments, the published site's releases and
/// which one is served, and the git settings (their token sealed, as on disk). The app and its history travel as a git
/// bundle; logs and screenshots are not kept (a new owner makes its own).
/// </summary>
public static class ReplicaFiles
{
    private const string AttachmentsDirectoryName = "attachments";
    private const string SiteStagingPrefix = "staging-";

    /// <summary>The tar.gz of <paramref name="projectDirectory"/>'s durable files; regular files only, never a link.</summary>
    public static async Task<byte[]> PackAsync(string projectDirectory, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in Durable(projectDirectory))
            {
                var entry = Path.GetRelativePath(projectDirectory, file).Replace('\\', '/');
                await tar.WriteEntryAsync(file, entry, cancellationToken);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Writes the files of <paramref name="packed"/> under <paramref name="projectDirectory"/> (an entry cannot leave it).</summary>
    public static async Task UnpackAsync(byte[] packed, string projectDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(projectDirectory);
        if (packed.Length == 0)
        {
            return;
        }

        await using var gzip = new GZipStream(new MemoryStream(packed), CompressionMode.Decompress);
        await TarFile.ExtractToDirectoryAsync(gzip, projectDirectory, overwriteFiles: true, cancellationToken);
    }

    private static IEnumerable<string> Durable(string projectDirectory)
    {
        var gitSettings = Path.Combine(projectDirectory, "git.json");
        if (IsRegularFile(gitSettings))
        {
            yield return gitSettings;
        }

        var session = Path.Combine(projectDirectory, ProjectWorkspace.SessionDirectoryName);
        foreach (var file in FilesUnder(session, skip: directory => Path.GetRelativePath(session, directory) == "tmp"))
        {
            yield return file;
        }

        foreach (var file in FilesUnder(Path.Combine(projectDirectory, AttachmentsDirectoryName), skip: _ => false))
        {
            yield return file;
        }

        // A publish still building is not a release yet.
        var site = Path.Combine(projectDirectory, ProjectWorkspace.SiteDirectoryName);
        foreach (var file in FilesUnder(site, skip: directory => Path.GetDirectoryName(directory) == site && Path.GetFileName(directory).StartsWith(SiteStagingPrefix, StringComparison.Ordinal)))
        {
            yield return file;
        }
    }

    private static IEnumerable<string> FilesUnder(string root, Func<string, bool> skip)
    {
        if (!Directory.Exists(root) || new DirectoryInfo(root).LinkTarget is not null)
        {
            yield break;
        }

        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }

                if (entry is DirectoryInfo && !skip(entry.FullName))
                {
                    pending.Push(entry.FullName);
                }
                else if (entry is FileInfo)
                {
                    yield return entry.FullName;
                }
            }
        }
    }

    private static bool IsRegularFile(string path) => File.Exists(path) && new FileInfo(path).LinkTarget is null;
}
