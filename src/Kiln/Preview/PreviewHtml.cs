using System.Text;
using System.Text.RegularExpressions;
using Kiln.Projects;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Kiln.Preview;

/// <summary>
/// Adds Kiln's error reporter and select-to-edit's script to the preview's HTML pages: external, classic
/// <c>&lt;script&gt;</c>s right after <c>&lt;head&gt;</c>, so they run before the app's own scripts. External rather than inline, from the preview's own
/// origin, so an app whose Content-Security-Policy allows only <c>'self'</c> still runs it (an inline script would
/// need <c>'unsafe-inline'</c> or a hash the app does not know); the app's CSP is never changed.
/// </summary>
public static partial class PreviewHtml
{
    /// <summary>Pages larger than this are passed on as they are.</summary>
    public const int MaxInjectedBytes = 4 << 20;

    public static readonly byte[] ScriptTag = Encoding.ASCII.GetBytes(
        $"<script src=\"{PreviewErrorEndpoint.ScriptPath}\"></script><script src=\"{PreviewSelectScript.ScriptPath}\"></script>");

    /// <summary>The page with the reporter's tag after its <c>&lt;head&gt;</c> (or <c>&lt;html&gt;</c>, or doctype, or at its start).</summary>
    public static byte[] Inject(ReadOnlySpan<byte> html)
    {
        // Latin-1 maps each byte to one char, so an index in the text is an index in the bytes whatever the page's encoding.
        var text = Encoding.Latin1.GetString(html[..Math.Min(html.Length, 64 * 1024)]);
        var at = 0;
        foreach (var pattern in new[] { HeadTag(), HtmlTag(), Doctype() })
        {
            var match = pattern.Match(text);
            if (match.Success)
            {
                at = match.Index + match.Length;
                break;
            }
        }

        var result = new byte[html.Length + ScriptTag.Length];
        html[..at].CopyTo(result);
        ScriptTag.CopyTo(result.AsSpan(at));
        html[at..].CopyTo(result.AsSpan(at + ScriptTag.Length));
        return result;
    }

    public static bool IsHtml(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"<head(?:\s[^>]*)?>", RegexOptions.IgnoreCase)]
    private static partial Regex HeadTag();

    [GeneratedRegex(@"<html(?:\s[^>]*)?>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"<!doctype[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex Doctype();
}

/// <summary>
/// Shapes a proxied preview request (<see cref="PreviewRequestTransformer"/>), adds the error reporter to the HTML
/// pages the dev server answers, and makes the host paths in its error answers (Vite's 403 for a file outside the app,
/// its error overlay's page) relative to the app. Page loads are asked for uncompressed (no Accept-Encoding upstream),
/// and a body that still comes compressed, or is too large, is passed on untouched; a new body gets its own Content-Length.
/// </summary>
internal sealed class PreviewPageTransformer(HostPaths hostPaths, string projectId) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await PreviewRequestTransformer.Instance.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (IsPageLoad(httpContext.Request))
        {
            proxyRequest.Headers.AcceptEncoding.Clear();
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (!copyBody || proxyResponse is null || !HttpMethods.IsGet(httpContext.Request.Method))
        {
            return copyBody;
        }

        var contentType = proxyResponse.Content.Headers.ContentType?.ToString();
        var page = proxyResponse.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.NotFound
            && PreviewHtml.IsHtml(contentType);
        var errorText = (int)proxyResponse.StatusCode >= 400 && IsText(contentType);
        if (!(page || errorText)
            || proxyResponse.Content.Headers.ContentEncoding.Any(encoding => !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            || proxyResponse.Content.Headers.ContentLength > PreviewHtml.MaxInjectedBytes)
        {
            return copyBody;
        }

        await using var upstream = await proxyResponse.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await upstream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > PreviewHtml.MaxInjectedBytes)
            {
                // Too large to hold: what was read goes out as it came, then the rest.
                httpContext.Response.ContentLength = null;
                await httpContext.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
                await upstream.CopyToAsync(httpContext.Response.Body, cancellationToken);
                return false;
            }
        }

        var body = buffer.ToArray();
        if (errorText && Encoding.UTF8.GetString(body) is var text && hostPaths.Mentions(text))
        {
            body = Encoding.UTF8.GetBytes(hostPaths.RelativeToApp(projectId, text));
        }

        if (page)
        {
            body = PreviewHtml.Inject(body);
        }

        httpContext.Response.ContentLength = body.Length;
        httpContext.Response.Headers.Remove(HeaderNames.ContentMD5);
        await httpContext.Response.Body.WriteAsync(body, cancellationToken);
        return false;
    }

    internal static bool IsPageLoad(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Text a person may read: a page, plain text, JSON, a script, or a body of no stated type (Vite answers a module
    /// that does not compile with its error page and no Content-Type).
    /// </summary>
    private static bool IsText(string? contentType) =>
        contentType is null
        || MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Equals("application/javascript", StringComparison.OrdinalIgnoreCase));
}
