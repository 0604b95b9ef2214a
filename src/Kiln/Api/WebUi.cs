namespace Kiln.Api;

/// <summary>
/// Kiln's own web UI: the static files in <c>wwwroot</c> (built from <c>src/Kiln/web</c> by Vite on every
/// <c>dotnet build</c>), and the page's client-side routes
/// (<c>/</c> and <c>/projects/{id}</c>) answered with <c>index.html</c>.
/// </summary>
public static class WebUi
{
    // The UI is all 'self': no CDN, no inline script or style. It frames previews, which may live on their own
    // origin (DESIGN.md 6.5); a same-origin preview is sandboxed without allow-same-origin.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "frame-src 'self' http: https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddWebUi(this IServiceCollection services) =>
        services.Configure<StaticFileOptions>(options => options.OnPrepareResponse = context =>
        {
            var headers = context.Context.Response.Headers;
            // The build names the bundles by their content hash, so they never change; the page and the icon do, so
            // they are always revalidated (ETags make that cheap).
            headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal)
                ? "public, max-age=31536000, immutable"
                : "no-cache";
            headers.XContentTypeOptions = "nosniff";
            if (context.File.Name.EndsWith(".html", StringComparison.Ordinal))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers["Referrer-Policy"] = "same-origin";
            }
        });

    /// <summary>
    /// Serves <c>wwwroot</c>. It runs before authentication: the UI's files hold no data, and the API calls the
    /// page makes carry the token.
    /// </summary>
    public static IApplicationBuilder UseWebUiFiles(this IApplicationBuilder app) => app.UseDefaultFiles().UseStaticFiles();

    public static IEndpointRouteBuilder MapWebUi(this IEndpointRouteBuilder routes)
    {
        // A project's page, reloaded or opened from a link, is the same single page.
        routes.MapFallbackToFile("/projects/{projectId}", "index.html").AllowAnonymous();
        return routes;
    }
}
