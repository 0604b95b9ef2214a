using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Kiln.Preview;

/// <summary>
/// Shapes a preview request for the dev server. The user's credentials for Kiln (a bearer token, cookies of a
/// parent domain) never reach the app's code; the Host becomes the server's own 127.0.0.1:port, the only host a
/// dev server accepts by default (Vite refuses others), and the original one travels as X-Forwarded-Host.
/// </summary>
internal sealed class PreviewRequestTransformer : HttpTransformer
{
    public static readonly PreviewRequestTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Headers.Remove(HeaderNames.Authorization);
        proxyRequest.Headers.Remove(HeaderNames.ProxyAuthorization);
        proxyRequest.Headers.Remove(HeaderNames.Cookie);
        proxyRequest.Headers.Host = null;
        proxyRequest.Headers.Remove("X-Forwarded-Host");
        proxyRequest.Headers.Remove("X-Forwarded-Proto");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", httpContext.Request.Host.Value);
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", httpContext.Request.Scheme);
    }
}
