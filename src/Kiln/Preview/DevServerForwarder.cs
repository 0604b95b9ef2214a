using System.Globalization;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Kiln.Preview;

/// <summary>
/// Forwards a preview request to the project's running dev server with YARP: HTTP, and the WebSocket of Vite's HMR,
/// so edits reach the open page through Kiln. The request counts as use of the server for as long as it is in
/// flight; a server that does not answer gets a page that says so.
/// </summary>
public sealed class DevServerForwarder(
    IHttpForwarder forwarder,
    PreviewUpstream upstream,
    DevServerSupervisor supervisor,
    HostPaths hostPaths,
    ILogger<DevServerForwarder> logger)
{
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(120) };

    // An HMR socket is quiet for as long as nobody edits; the default activity timeout would cut it and make
    // Vite's client reload the page.
    private static readonly ForwarderRequestConfig UpgradeConfig = new() { ActivityTimeout = TimeSpan.FromDays(1) };

    public async Task ForwardAsync(HttpContext context, string projectId, int port)
    {
        using var lease = supervisor.BeginRequest(projectId);
        var upgrade = context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
                      || context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true };
        var error = await forwarder.SendAsync(
            context,
            string.Create(CultureInfo.InvariantCulture, $"http://{DevServerScript.Host}:{port}"),
            upstream.Invoker,
            upgrade ? UpgradeConfig : RequestConfig,
            upgrade ? PreviewRequestTransformer.Instance : new PreviewPageTransformer(hostPaths, projectId));

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
}
