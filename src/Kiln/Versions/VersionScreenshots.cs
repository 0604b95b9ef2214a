using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kiln.Projects;

namespace Kiln.Versions;

/// <summary>
/// What each version of the app was seen to show: for every page Kiln's browser checked while a version was made (the
/// agent's <c>check_app</c>, Kiln's re-check when the generation ended), whether it rendered without errors, and its
/// PNG. Kept beside the app in <c>{project}/screenshots/{version}/</c> (an <c>index.json</c>, and a PNG per page named
/// by a hash of its path), so never in a version, a diff or a download; deleted with the project. The latest check of a
/// path in a version replaces the one before. Written by one generation at a time, each file replaced whole.
/// </summary>
public sealed partial class VersionScreenshots(ProjectWorkspace workspace, ILogger<VersionScreenshots> logger)
{
    /// <summary>Most pages kept per version; checks of further paths are not kept.</summary>
    public const int MaxPagesPerVersion = 20;

    private const string IndexFileName = "index.json";

    /// <summary>Keeps <paramref name="page"/> as what <paramref name="version"/> shows at its path; false when the version has no room left.</summary>
    public async Task<bool> SaveAsync(string projectId, int version, CheckedPage page, CancellationToken cancellationToken)
    {
        var directory = workspace.ScreenshotsDirectory(projectId, version);
        var pages = await ReadIndexAsync(directory, cancellationToken);
        var existing = pages.FindIndex(stored => stored.Path == page.Path);
        if (existing < 0 && pages.Count >= MaxPagesPerVersion)
        {
            using var scope = ProjectLogScope.Begin(logger, projectId);
            LogFull(logger, version, MaxPagesPerVersion, page.Path);
            return false;
        }

        var image = Path.Combine(directory, FileNameOf(page.Path));
        var hasScreenshot = page.Screenshot is { Length: > 0 };
        if (hasScreenshot)
        {
            await AtomicFile.WriteAllBytesAsync(image, page.Screenshot!, cancellationToken);
        }
        else
        {
            File.Delete(image); // an earlier check's picture no longer shows this version's page
        }

        var stored = new StoredPage(page.Path, page.Width, page.Errors, page.CheckedBy, page.At, hasScreenshot);
        if (existing < 0)
        {
            pages.Add(stored);
        }
        else
        {
            pages[existing] = stored;
        }

        await AtomicFile.WriteAllBytesAsync(
            Path.Combine(directory, IndexFileName), JsonSerializer.SerializeToUtf8Bytes(pages, VersionsJsonContext.Default.ListStoredPage), cancellationToken);
        return true;
    }

    /// <summary>The pages seen in <paramref name="version"/>, in the order they were first checked; empty when none.</summary>
    public async Task<IReadOnlyList<PageScreenshot>> ListAsync(string projectId, int version, CancellationToken cancellationToken)
    {
        var all = await ReadAllAsync(projectId, cancellationToken);
        if (!all.TryGetValue(version, out var pages))
        {
            return [];
        }

        return [.. pages.Select(page => page.ToScreenshot(version, Before(all, version, page.Path)))];
    }

    /// <summary>The PNG of the page at <paramref name="path"/> in <paramref name="version"/>, or null when there is none.</summary>
    public async Task<byte[]?> ReadAsync(string projectId, int version, string path, CancellationToken cancellationToken)
    {
        var directory = workspace.ScreenshotsDirectory(projectId, version);
        var pages = await ReadIndexAsync(directory, cancellationToken);
        if (pages.Find(page => page.Path == path) is not { HasScreenshot: true })
        {
            return null;
        }

        try
        {
            // The name comes from the path's hash, never from the index: nothing read from disk chooses a file.
            return await File.ReadAllBytesAsync(Path.Combine(directory, FileNameOf(path)), cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every path that rendered without errors in a version before <paramref name="version"/>, each as it was the last
    /// time it did (its <see cref="PageScreenshot.Version"/> is that version), the most recently rendered first.
    /// </summary>
    public async Task<IReadOnlyList<PageScreenshot>> LastRenderedAsync(string projectId, int version, CancellationToken cancellationToken)
    {
        var all = await ReadAllAsync(projectId, cancellationToken);
        var latest = new Dictionary<string, PageScreenshot>(StringComparer.Ordinal);
        foreach (var (number, pages) in all.Where(entry => entry.Key < version).OrderByDescending(entry => entry.Key))
        {
            foreach (var page in pages.Where(page => page.Rendered))
            {
                latest.TryAdd(page.Path, page.ToScreenshot(number, Before(all, number, page.Path)));
            }
        }

        return [.. latest.Values.OrderByDescending(page => page.Version).ThenBy(page => page.At)];
    }

    /// <summary>The file a path's PNG is kept in: a hash, so any path (query, fragment, any character) is one safe name.</summary>
    public static string FileNameOf(string path) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..16] + ".png";

    private static int? Before(SortedDictionary<int, List<StoredPage>> all, int version, string path) =>
        all.Where(entry => entry.Key < version && entry.Value.Exists(page => page.Path == path && page is { Rendered: true, HasScreenshot: true }))
            .Select(entry => (int?)entry.Key)
            .LastOrDefault();

    private async Task<SortedDictionary<int, List<StoredPage>>> ReadAllAsync(string projectId, CancellationToken cancellationToken)
    {
        var all = new SortedDictionary<int, List<StoredPage>>();
        var root = workspace.ScreenshotsDirectory(projectId);
        if (!Directory.Exists(root))
        {
            return all;
        }

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
            {
                all[version] = await ReadIndexAsync(directory, cancellationToken);
            }
        }

        return all;
    }

    private async Task<List<StoredPage>> ReadIndexAsync(string directory, CancellationToken cancellationToken)
    {
        var index = Path.Combine(directory, IndexFileName);
        try
        {
            await using var stream = File.OpenRead(index);
            return await JsonSerializer.DeserializeAsync(stream, VersionsJsonContext.Default.ListStoredPage, cancellationToken) ?? [];
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (JsonException exception)
        {
            // A damaged index loses that version's pictures, not the version.
            LogUnreadable(logger, index, exception.Message);
            return [];
        }
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Version {Version} already keeps {Max} pages; the check of {Path} is not kept")]
    private static partial void LogFull(ILogger logger, int version, int max, string path);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "The screenshot index {Index} could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string index, string reason);
}

/// <summary>A page as <c>index.json</c> keeps it.</summary>
internal sealed record StoredPage(string Path, int Width, IReadOnlyList<string> Errors, PageCheckedBy CheckedBy, DateTimeOffset At, bool HasScreenshot)
{
    public bool Rendered => Errors.Count == 0;

    public PageScreenshot ToScreenshot(int version, int? before) =>
        new(Path, version, Width, Rendered, Errors, CheckedBy, At, HasScreenshot, before);
}
