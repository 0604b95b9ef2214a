using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Kiln.Preview;

/// <summary>
/// The handler YARP's forwarder sends through when Kiln passes a request on as it came: to a dev server on
/// 127.0.0.1 (<see cref="PreviewUpstream"/>) or to the instance that owns a project. The settings are the ones
/// YARP recommends for direct forwarding: no system proxy (the peer is reached directly), no redirects
/// followed (the browser must see them), no cookie jar (cookies belong to the browser, not to Kiln), no
/// decompression (bytes pass through as the peer sent them), and the trace context propagated as a proxy does.
/// </summary>
public static class ForwardingHandler
{
    public static SocketsHttpHandler Create() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };
}
