using System.Collections.Concurrent;
using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>
/// The preview Kiln serves from disk itself: a static site, a built app (when its build is newer than its sources,
/// so no dev server needs to start), and a running Vite app's public/ files. Files are confined as the file API
/// confines them, and HTML pages get Kiln's error reporter as a dev server's pages do.
/// </summary>
public sealed class PreviewFileServer(VitePublicFiles publicFiles, ProjectWorkspace workspace, TimeProvider time) : IProjectStateHolder
{
    /// <summary>How long the answer to "is the build current?" is reused: a page load asks once per asset.</summary>
    private static readonly TimeSpan BuildCheckReuse = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, (long CheckedAt, DateTime BuiltAt, bool Current)> _builds = new(StringComparer.Ordinal);

    /// <summary>The file of the app's public/ directory that answers the request exactly as Vite would, or null.</summary>
    public string? VitePublicFile(string projectId, HttpRequest request) =>
        publicFiles.Find(projectId, workspace.AppDirectory(projectId), request);

    /// <summary>Serves one file, such as one <see cref="VitePublicFile"/> found.</summary>
    public Task ServeFileAsync(HttpContext context, string file) =>
        ServeStaticAsync(context, Path.GetDirectoryName(file)!, singlePageApp: false, Path.GetFileName(file));

    /// <summary>
    /// Serves the file the request names under <paramref name="root"/>. A built single-page app gets its index.html
    /// for any page path it does not have, so its client-side routes load.
    /// </summary>
    public Task ServeAsync(HttpContext context, string root, bool singlePageApp) => ServeStaticAsync(context, root, singlePageApp, file: null);

    /// <summary>Whether the app's build is newer than its sources, so the preview can serve it instead of a dev server.</summary>
    public bool IsBuildCurrent(string projectId, PreviewSource source)
    {
        if (source.BuildRoot is null)
        {
            return false;
        }

        var builtAt = File.GetLastWriteTimeUtc(Path.Combine(source.BuildRoot, "index.html"));
        if (_builds.TryGetValue(projectId, out var known) && known.BuiltAt == builtAt && time.GetElapsedTime(known.CheckedAt) < BuildCheckReuse)
        {
            return known.Current;
        }

        var current = source.BuildIsCurrent();
        _builds[projectId] = (time.GetTimestamp(), builtAt, current);
        return current;
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        _builds.TryRemove(projectId, out _);
        return ValueTask.CompletedTask;
    }

    private static async Task ServeStaticAsync(HttpContext context, string root, bool singlePageApp, string? file)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return;
        }

        var app = new AppDirectory(root);
        var path = file ?? context.Request.Path.Value?.TrimStart('/');
        var found = AppFiles.Find(app, path, fallbackToIndex: true);
        if (singlePageApp && found is AppFileLookup.Missing && PreviewRequest.IsPageLoad(context.Request))
        {
            found = AppFiles.Find(app, null, fallbackToIndex: true);
        }

        // The app changes while it is generated: a browser must always ask again.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        if (found is not AppFileLookup.Found page)
        {
            // The app's own origin: a plain answer, with nothing of Kiln's API in it.
            await (found is AppFileLookup.Refused refused
                ? TypedResults.Problem(title: "Path refused", detail: refused.Reason, statusCode: StatusCodes.Status400BadRequest)
                : TypedResults.Problem(title: "File not found", detail: $"The app has no file '{path}'.", statusCode: StatusCodes.Status404NotFound))
                .ExecuteAsync(context);
            return;
        }

        if (PreviewHtml.IsHtml(page.ContentType) && HttpMethods.IsGet(context.Request.Method)
            && new FileInfo(page.FullPath).Length <= PreviewHtml.MaxInjectedBytes)
        {
            // A page gets Kiln's error reporter, as a dev server's pages do (PreviewPageTransformer).
            var html = PreviewHtml.Inject(await File.ReadAllBytesAsync(page.FullPath, context.RequestAborted));
            context.Response.ContentType = page.ContentType;
            context.Response.ContentLength = html.Length;
            await context.Response.Body.WriteAsync(html, context.RequestAborted);
            return;
        }

        await page.ToResult().ExecuteAsync(context);
    }
}
