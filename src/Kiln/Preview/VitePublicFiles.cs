using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>
/// The files of a Vite app's <c>public/</c> directory, which Vite's dev server serves as they are (no transform, no
/// client code) at the site's root. Kiln serves them itself from disk, the way a reverse proxy serves static files,
/// which saves every icon, image and font a hop to the dev server. Only where Vite would answer with the same bytes:
/// a GET or HEAD with no query string (Vite transforms <c>?import</c> and <c>?url</c>), of a regular file in
/// public/ that is not a page, in an app whose dev script is Vite and whose Vite config neither moves the public
/// directory or the root, nor sets a base path, nor adds headers or middleware. Anything else goes to the dev server.
/// </summary>
public sealed partial class VitePublicFiles(TimeProvider time) : IProjectStateHolder
{
    public const string DirectoryName = "public";

    /// <summary>How long an app's answer to "does Vite serve public/ plainly?" is reused: a page load asks once per asset.</summary>
    private static readonly TimeSpan Reuse = TimeSpan.FromSeconds(2);

    private static readonly string[] ConfigFiles = ["vite.config.ts", "vite.config.js", "vite.config.mts", "vite.config.mjs", "vite.config.cts", "vite.config.cjs"];

    private readonly ConcurrentDictionary<string, (long CheckedAt, bool Plain)> _apps = new(StringComparer.Ordinal);

    /// <summary>The file under public/ that answers <paramref name="request"/> exactly as Vite would, or null.</summary>
    public string? Find(string projectId, string appDirectory, HttpRequest request)
    {
        var path = request.Path.Value;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || request.QueryString.HasValue
            || path is null || path.Length < 2 || path.StartsWith("/@", StringComparison.Ordinal) || path.EndsWith('/')
            || path.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || !ServesPublicPlainly(projectId, appDirectory))
        {
            return null;
        }

        var publicDirectory = Path.Combine(appDirectory, DirectoryName);
        if (!Directory.Exists(publicDirectory))
        {
            return null;
        }

        try
        {
            var file = new AppDirectory(publicDirectory).Resolve(path.TrimStart('/'));
            return File.Exists(file) ? file : null;
        }
        catch (PathRefusedException)
        {
            return null;
        }
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        _apps.TryRemove(projectId, out _);
        return ValueTask.CompletedTask;
    }

    private bool ServesPublicPlainly(string projectId, string appDirectory)
    {
        if (_apps.TryGetValue(projectId, out var known) && time.GetElapsedTime(known.CheckedAt) < Reuse)
        {
            return known.Plain;
        }

        var plain = PreviewSource.Detect(appDirectory).DevServer?.Framework == DevFramework.Vite
                    && ConfigFiles.Select(name => Path.Combine(appDirectory, name)).Where(File.Exists)
                        .All(config => !ChangesServing().IsMatch(File.ReadAllText(config)));
        _apps[projectId] = (time.GetTimestamp(), plain);
        return plain;
    }

    // Options that change which file a path names or what goes with it, and the hook a plugin adds middleware with.
    [GeneratedRegex(@"\b(publicDir|root|base|headers|configureServer|middlewareMode)\b")]
    private static partial Regex ChangesServing();
}
