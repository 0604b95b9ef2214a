using System.Globalization;
using System.Text.Json;
using Kiln.Projects;

namespace Kiln.Sites;

/// <summary>
/// A project's releases on disk, beside its app: <c>site/releases/{n}/files/</c> holds what release n serves and
/// <c>release.json</c> what it was built from; <c>site/active.json</c> names the release the site serves, so a
/// restart of Kiln (or another instance on the same projects root) serves the same one. A release appears whole, by
/// renaming its finished staging directory, and is never written again.
/// </summary>
public sealed class ReleaseStore(ProjectWorkspace workspace, DurableState durable)
{
    private const string ReleasesDirectoryName = "releases";
    private const string FilesDirectoryName = "files";
    private const string ManifestName = "release.json";
    private const string StagingPrefix = "staging-";

    /// <summary>The project's releases, oldest first; <see cref="SiteRelease.Active"/> marks the one served.</summary>
    public IReadOnlyList<SiteRelease> List(string projectId)
    {
        var directory = new DirectoryInfo(ReleasesDirectory(projectId));
        if (!directory.Exists)
        {
            return [];
        }

        var active = Active(projectId);
        return directory.EnumerateDirectories()
            .Select(release => (Number: ParseNumber(release.Name), Release: release))
            .Where(release => release.Number is not null)
            .OrderBy(release => release.Number)
            .Select(release => ReadManifest(release.Release.FullName) is { } manifest
                ? new SiteRelease(release.Number!.Value, manifest.Version, manifest.At, manifest.Files, manifest.Bytes, release.Number == active)
                : null)
            .OfType<SiteRelease>()
            .ToList();
    }

    /// <summary>The number of the release the site serves, or null when it serves none (never published, or taken down).</summary>
    public int? Active(string projectId)
    {
        var path = workspace.ActiveSiteRecord(projectId);
        try
        {
            var active = JsonSerializer.Deserialize(File.ReadAllBytes(path), SitesJsonContext.Default.ActiveRelease);
            return active is not null && Directory.Exists(FilesDirectory(projectId, active.Release)) ? active.Release : null;
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The directory of files the site serves now, or null.</summary>
    public (int Release, string Root)? ActiveFiles(string projectId) =>
        Active(projectId) is { } release ? (release, FilesDirectory(projectId, release)) : null;

    public bool Exists(string projectId, int release) => Directory.Exists(FilesDirectory(projectId, release));

    /// <summary>Serves <paramref name="release"/> from now on, or nothing when null; durable once it returns.</summary>
    public async Task SetActiveAsync(string projectId, int? release, CancellationToken cancellationToken)
    {
        var path = workspace.ActiveSiteRecord(projectId);
        if (release is null)
        {
            File.Delete(path);
        }
        else
        {
            await AtomicFile.WriteAllBytesAsync(path, JsonSerializer.SerializeToUtf8Bytes(new ActiveRelease(release.Value), SitesJsonContext.Default.ActiveRelease), cancellationToken);
        }

        // A new release, another one served again, or the site taken down: the one place each of them ends.
        await durable.ChangedAsync(projectId, cancellationToken);
    }

    /// <summary>A new, empty staging directory; its <c>files</c> directory is filled, then <see cref="CommitAsync"/> makes it a release.</summary>
    public Staging Stage(string projectId)
    {
        var root = Path.Combine(workspace.SiteDirectory(projectId), StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, FilesDirectoryName));
        return new Staging(root, Path.Combine(root, FilesDirectoryName));
    }

    /// <summary>Makes the staged files the next release, whole: they appear under their number at once, or not at all.</summary>
    public async Task<SiteRelease> CommitAsync(string projectId, Staging staging, int? version, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var files = new DirectoryInfo(staging.Files).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        var manifest = new ReleaseManifest(version, at, files.Count, files.Sum(file => file.Length));
        await File.WriteAllBytesAsync(
            Path.Combine(staging.Root, ManifestName), JsonSerializer.SerializeToUtf8Bytes(manifest, SitesJsonContext.Default.ReleaseManifest), cancellationToken);

        Directory.CreateDirectory(ReleasesDirectory(projectId));
        // Only one publish of a project runs at a time (SitePublisher), so the next number is free.
        var number = List(projectId).Select(release => release.Number).DefaultIfEmpty(0).Max() + 1;
        Directory.Move(staging.Root, Path.Combine(ReleasesDirectory(projectId), number.ToString(CultureInfo.InvariantCulture)));
        return new SiteRelease(number, version, at, manifest.Files, manifest.Bytes, Active: false);
    }

    /// <summary>Removes a staging directory that did not become a release.</summary>
    public static void Discard(Staging staging)
    {
        if (Directory.Exists(staging.Root))
        {
            Directory.Delete(staging.Root, recursive: true);
        }
    }

    private string ReleasesDirectory(string projectId) => Path.Combine(workspace.SiteDirectory(projectId), ReleasesDirectoryName);

    private string FilesDirectory(string projectId, int release) =>
        Path.Combine(ReleasesDirectory(projectId), release.ToString(CultureInfo.InvariantCulture), FilesDirectoryName);

    private static int? ParseNumber(string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : null;

    private static ReleaseManifest? ReadManifest(string releaseDirectory)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(releaseDirectory, ManifestName)), SitesJsonContext.Default.ReleaseManifest);
        }
        catch (Exception exception) when (exception is FileNotFoundException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>A release being prepared: <see cref="Files"/> is filled with what it will serve.</summary>
public sealed record Staging(string Root, string Files);

/// <summary>What <c>release.json</c> records of a release.</summary>
internal sealed record ReleaseManifest(int? Version, DateTimeOffset At, int Files, long Bytes);

/// <summary>What <c>active.json</c> records: the release the site serves.</summary>
internal sealed record ActiveRelease(int Release);
