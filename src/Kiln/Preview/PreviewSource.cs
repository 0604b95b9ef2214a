using System.Text.Json;
using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>
/// What a project's app offers to preview, read from its files: a dev script to run, static files to serve
/// as they are (a plain HTML app, no package.json), or a build (<c>dist/</c>) that can be served without a
/// dev server. <see cref="Problem"/> says why there is nothing to show, in words the model can act on.
/// </summary>
public sealed record PreviewSource(string AppDirectory, DevServerScript? DevServer, string? StaticRoot, string? BuildRoot, string? Problem)
{
    public const string BuildDirectoryName = "dist";
    private const string PackageJson = "package.json";
    private const string IndexHtml = "index.html";

    public bool IsEmpty => DevServer is null && StaticRoot is null && BuildRoot is null;

    public static PreviewSource Detect(string appDirectory)
    {
        var build = File.Exists(Path.Combine(appDirectory, BuildDirectoryName, IndexHtml)) ? Path.Combine(appDirectory, BuildDirectoryName) : null;
        var hasIndex = File.Exists(Path.Combine(appDirectory, IndexHtml));
        var packageJson = Path.Combine(appDirectory, PackageJson);
        if (!File.Exists(packageJson))
        {
            return new PreviewSource(appDirectory, null, hasIndex ? appDirectory : null, build,
                hasIndex || build is not null ? null : "The app has no index.html and no package.json yet: write index.html for a static app, or scaffold one.");
        }

        string? script;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
            script = document.RootElement.TryGetProperty("scripts", out var scripts) && scripts.ValueKind == JsonValueKind.Object &&
                     scripts.TryGetProperty("dev", out var dev) && dev.ValueKind == JsonValueKind.String
                ? dev.GetString()
                : null;
        }
        catch (JsonException exception)
        {
            return new PreviewSource(appDirectory, null, null, build, $"package.json is not valid JSON ({exception.Message}); fix it to run the dev server.");
        }

        if (string.IsNullOrWhiteSpace(script))
        {
            // package.json only for tooling: a static index.html is still the app.
            return new PreviewSource(appDirectory, null, hasIndex ? appDirectory : null, build,
                hasIndex || build is not null ? null : "package.json has no \"dev\" script: add one (for example \"vite\") to run a dev server.");
        }

        return new PreviewSource(appDirectory, DevServerScript.Create(PackageManagerOf(appDirectory), "dev", script), null, build, null);
    }

    /// <summary>Why the dev script cannot run yet, or null when it can.</summary>
    public string? CannotRunReason() =>
        DevServer is not null && !Directory.Exists(Path.Combine(AppDirectory, "node_modules"))
            ? "The app's dependencies are not installed (there is no node_modules): install them first, then start the dev server."
            : null;

    /// <summary>
    /// True when the build is at least as new as every source file, so serving it shows the current app. A build
    /// older than an edit would show stale code; then the dev server runs instead.
    /// </summary>
    public bool BuildIsCurrent()
    {
        if (BuildRoot is null)
        {
            return false;
        }

        var built = File.GetLastWriteTimeUtc(Path.Combine(BuildRoot, IndexHtml));
        foreach (var entry in AppFileTree.Walk(AppDirectory))
        {
            if (entry is FileInfo file && file.LastWriteTimeUtc > built &&
                !file.FullName.StartsWith(BuildRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string PackageManagerOf(string appDirectory) =>
        File.Exists(Path.Combine(appDirectory, "package-lock.json")) ? "npm"
        : File.Exists(Path.Combine(appDirectory, "yarn.lock")) ? "yarn"
        : "pnpm";
}
