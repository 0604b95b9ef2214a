using Kiln.Preview;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Kiln.Api;

/// <summary>
/// Refuses what a browser sends on behalf of a page Kiln does not know: a state-changing request (POST, PUT, PATCH,
/// DELETE) or an event stream (a WebSocket, <c>text/event-stream</c>) from another origin. CORS keeps such a page from
/// reading answers, not from sending a form, a body-less <c>fetch</c> or a WebSocket; and a preview
/// (<c>p-{id}.localhost</c>) is the same site as <c>localhost</c>, so cookies' SameSite would not tell them apart either.
/// Browsers say where a request comes from (<c>Sec-Fetch-Site</c>, <c>Origin</c>); programs that are not browsers
/// (curl, the generated client, MCP clients) send neither and pass.
/// </summary>
public sealed class OriginGuard(IOptions<KilnCorsOptions> cors, IOptions<PublicOriginsOptions> publicOrigins)
{
    private readonly HashSet<string> _trusted = new(
        cors.Value.Origins.Select(origin => origin.TrimEnd('/')).Concat(publicOrigins.Value.Origins.Select(origin => origin.GetLeftPart(UriPartial.Authority))),
        StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (IsGuarded(context) && ForeignOrigin(context.Request) is { } from)
        {
            await Problems.ForeignOrigin(from).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>Where a browser says the request comes from when that is not Kiln's own page or a trusted origin; null when it may pass.</summary>
    private string? ForeignOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        var origin = request.Headers.Origin.ToString();

        // The browser compared the origins itself; this holds behind a proxy that changes the Host or the scheme.
        if (site.Equals("same-origin", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (origin.Length > 0)
        {
            return origin.Equals($"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase) || _trusted.Contains(origin)
                ? null
                : origin;
        }

        // A browser that says it is cross-site or same-site (a preview) but names no origin is still a foreign page.
        return site.Length > 0 && !site.Equals("none", StringComparison.OrdinalIgnoreCase) ? $"another site ({site})" : null;
    }

    private static bool IsGuarded(HttpContext context)
    {
        var request = context.Request;
        return HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)
               || HttpMethods.IsDelete(request.Method)
               || context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
               || context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true }
               || request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
    }
}

public static class OriginGuardExtensions
{
    /// <summary>Refuses state-changing requests and event streams from pages on other origins (<see cref="OriginGuard"/>).</summary>
    public static IApplicationBuilder UseOriginGuard(this IApplicationBuilder app)
    {
        var guard = ActivatorUtilities.CreateInstance<OriginGuard>(app.ApplicationServices);
        return app.Use(guard.InvokeAsync);
    }
}
