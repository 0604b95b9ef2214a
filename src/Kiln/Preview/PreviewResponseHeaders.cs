using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Kiln.Preview;

/// <summary>
/// What Kiln itself says on every preview response, whoever made it (the dev server, Kiln's file server, its own
/// pages). CORS is Kiln's to set, not the dev server's: Vite answers any <c>*.localhost</c> origin with
/// <c>Access-Control-Allow-Origin</c>, which let one preview's scripts read another's sources, so every
/// <c>Access-Control-*</c> header is dropped and a preview is readable by its own origin alone. And a preview may be
/// framed only by itself and Kiln's UI (<c>frame-ancestors</c>), in a policy of its own beside any the app sets, so the
/// app's own policy is never loosened.
/// </summary>
public sealed class PreviewResponseHeaders(PreviewOrigin origin, IOptions<PublicOriginsOptions> publicOrigins)
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1"];

    private readonly string[] _public = publicOrigins.Value.Origins.Select(url => url.GetLeftPart(UriPartial.Authority)).ToArray();

    public void Apply(HttpContext context)
    {
        var frameAncestors = FrameAncestors(context.Request);
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            foreach (var name in headers.Keys.Where(name => name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                headers.Remove(name);
            }

            headers.Append(HeaderNames.ContentSecurityPolicy, frameAncestors);
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// Kiln's UI as a browser names its origin: on loopback (at the port this request came to, which is the UI's when Kiln
    /// or a proxy on this machine serves both, and at Kestrel's own port) and <c>Kiln:PublicOrigins</c>. They alone may
    /// frame a preview, and the preview's select script answers them alone.
    /// </summary>
    public IEnumerable<string> UiOrigins(HttpRequest request)
    {
        var (scheme, kestrelPort) = origin.Listening();
        var requestPort = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        var loopback = new[] { requestPort, kestrelPort }.Distinct().SelectMany(port => LoopbackNames.Select(name =>
            string.Create(CultureInfo.InvariantCulture, $"{(port == requestPort ? request.Scheme : scheme)}://{name}:{port}")));
        return loopback.Concat(_public);
    }

    /// <summary>The preview itself and Kiln's UI (<see cref="UiOrigins"/>).</summary>
    private string FrameAncestors(HttpRequest request) => $"frame-ancestors 'self' {string.Join(' ', UiOrigins(request))}";
}
