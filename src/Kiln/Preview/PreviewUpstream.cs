using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Kiln.Preview;

/// <summary>
/// The one HTTP client to the dev servers, for the proxy and the readiness probe alike. It talks to 127.0.0.1
/// only, so no system proxy, no redirects followed (the browser must see them), no cookie jar (cookies belong
/// to the browser, not to Kiln) and no decompression (bytes pass through as the server sent them).
/// </summary>
public sealed class PreviewUpstream : IDisposable
{
    public HttpMessageInvoker Invoker { get; } = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    });

    public void Dispose() => Invoker.Dispose();
}
