using System.Collections.Concurrent;
using System.Globalization;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Kiln.Preview;

/// <summary>
/// Answers every request to a preview origin: forwarded to the project's dev server (HTTP and WebSockets, so Vite's
/// HMR works through Kiln), or served from its static files or its build when no server runs or none is needed.
/// A request for a stopped server starts it; a page load waits a few seconds and then shows a page that reloads
/// itself until the server answers.
/// </summary>
public sealed class PreviewProxy(
    PreviewOrigin origin,
    DevServerSupervisor supervisor,
    IProjectStore store,
    ProjectWorkspace workspace,
    IHttpForwarder forwarder,
    PreviewUpstream upstream,
    IOptions<PreviewOptions> options,
    TimeProvider time,
    ILogger<PreviewProxy> logger,
    PreviewErrorEndpoint errorEndpoint,
    VitePublicFiles publicFiles) : IProjectStateHolder
{
    /// <summary>How long a page load waits for a starting server before it gets the page that reloads itself.</summary>
    private static readonly TimeSpan PageLoadWait = TimeSpan.FromSeconds(3);

    /// <summary>How long the answer to "is the build current?" is reused: a page load asks once per asset.</summary>
    private static readonly TimeSpan BuildCheckReuse = TimeSpan.FromSeconds(2);

    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(120) };

    // An HMR socket is quiet for as long as nobody edits; the default activity timeout would cut it and make
    // Vite's client reload the page.
    private static readonly ForwarderRequestConfig UpgradeConfig = new() { ActivityTimeout = TimeSpan.FromDays(1) };

    private readonly PreviewOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, (long CheckedAt, DateTime BuiltAt, bool Current)> _builds = new(StringComparer.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        if (!origin.IsPreviewHost(context.Request.Host, out var projectId) || !ProjectIds.IsValid(projectId))
        {
            await PreviewPages.NotFoundAsync(context, projectId ?? context.Request.Host.Host);
            return;
        }

        // Kiln's own error reporter and its endpoint, whatever serves the app.
        if (PreviewErrorEndpoint.Handles(context.Request.Path))
        {
            await errorEndpoint.HandleAsync(context, projectId);
            return;
        }

        // The common case first, with no lookups: the server runs. Its public/ files Kiln serves itself.
        if (supervisor.RunningPort(projectId) is { } running)
        {
            if (publicFiles.Find(projectId, workspace.AppDirectory(projectId), context.Request) is { } file)
            {
                using var lease = supervisor.BeginRequest(projectId);
                await ServeStaticAsync(context, Path.GetDirectoryName(file)!, singlePageApp: false, Path.GetFileName(file));
                return;
            }

            await ForwardAsync(context, projectId, running);
            return;
        }

        if (await store.GetAsync(projectId, context.RequestAborted) is null)
        {
            await PreviewPages.NotFoundAsync(context, projectId);
            return;
        }

        var source = PreviewSource.Detect(workspace.AppDirectory(projectId));
        if (source.DevServer is null)
        {
            if ((source.StaticRoot ?? source.BuildRoot) is { } root)
            {
                await ServeStaticAsync(context, root, singlePageApp: root == source.BuildRoot);
            }
            else
            {
                await PreviewPages.NothingYetAsync(context, source.Problem!);
            }

            return;
        }

        if (IsBuildCurrent(projectId, source))
        {
            await ServeStaticAsync(context, source.BuildRoot!, singlePageApp: true);
            return;
        }

        if (source.CannotRunReason() is { } reason)
        {
            await PreviewPages.NothingYetAsync(context, reason);
            return;
        }

        var pageLoad = IsPageLoad(context.Request);
        var crashed = supervisor.State(projectId) == DevServerState.Crashed;
        if (crashed && !pageLoad)
        {
            // Only a person reloading the page retries a crashed server; an HMR client's pings would loop forever.
            var status = supervisor.Status(projectId);
            await PreviewPages.FailedAsync(context, status.LastErrors is [.., var last] ? last : "The dev server crashed.", status.LastOutput);
            return;
        }

        DevServerOutcome outcome;
        try
        {
            outcome = await supervisor.EnsureRunningAsync(projectId, source.DevServer, explicitStart: crashed, CancellationToken.None)
                .WaitAsync(pageLoad ? PageLoadWait : _options.StartTimeout, time, context.RequestAborted);
        }
        catch (TimeoutException)
        {
            await PreviewPages.StartingAsync(context);
            return;
        }

        if (outcome is { Ready: true, Port: { } port })
        {
            await ForwardAsync(context, projectId, port);
        }
        else
        {
            await PreviewPages.FailedAsync(context, outcome.Failure ?? "The dev server did not start.", outcome.LastOutput);
        }
    }

    private async Task ForwardAsync(HttpContext context, string projectId, int port)
    {
        using var lease = supervisor.BeginRequest(projectId);
        var upgrade = context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
                      || context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true };
        var error = await forwarder.SendAsync(
            context,
            string.Create(CultureInfo.InvariantCulture, $"http://{DevServerScript.Host}:{port}"),
            upstream.Invoker,
            upgrade ? UpgradeConfig : RequestConfig,
            upgrade ? PreviewRequestTransformer.Instance : PreviewPageTransformer.Instance);

        if (error is ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.ResponseBodyCanceled or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled)
        {
            return;
        }

        using (ProjectLogScope.Begin(logger, projectId))
        {
            logger.ForwardFailed(context.Request.Method, context.Request.Path, port, error.ToString(), context.GetForwarderErrorFeature()?.Exception);
        }

        if (!context.Response.HasStarted)
        {
            await PreviewPages.UnreachableAsync(context);
        }
    }

    /// <summary>
    /// Serves a file under <paramref name="root"/> with the same confinement as the file API. A built single-page
    /// app gets its index.html for any page path it does not have, so its client-side routes load.
    /// </summary>
    private static async Task ServeStaticAsync(HttpContext context, string root, bool singlePageApp, string? file = null)
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
        if (singlePageApp && found is AppFileLookup.Missing && IsPageLoad(context.Request))
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

    private bool IsBuildCurrent(string projectId, PreviewSource source)
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

    private static bool IsPageLoad(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
