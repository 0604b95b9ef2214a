using System.IO.Compression;
using Kiln.Projects;
using Microsoft.AspNetCore.ResponseCompression;

namespace Kiln.Sites;

public static class SitesServiceCollectionExtensions
{
    /// <summary>Registers published sites: options from <c>Kiln:Sites</c> (validated at start), their releases on disk, the publisher and the server of their origin.</summary>
    public static IServiceCollection AddSites(this IServiceCollection services)
    {
        services.AddOptions<SitesOptions>().BindConfiguration(SitesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SiteOrigin>();
        services.AddSingleton<ReleaseStore>();
        services.AddSingleton<SitePublisher>();
        services.AddProjectStateHolder<SitePublisher>();
        services.AddSingleton<SiteServer>();
        // Only the sites' branch of the pipeline compresses: their files are public, so a compressed answer reveals no secret (BREACH).
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "image/svg+xml", "application/manifest+json", "text/markdown"];
        });
        services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        return services;
    }

    /// <summary>
    /// Sends every request for a site host (<c>s-{id}.localhost</c>, <c>s-{id}.{Domain}</c>) to its site and nowhere else,
    /// before routing, authentication or any API endpoint sees it: the API never answers on a site's origin, and a site
    /// needs no token (it is public once published).
    /// </summary>
    public static IApplicationBuilder UseSiteOrigin(this IApplicationBuilder app)
    {
        var origin = app.ApplicationServices.GetRequiredService<SiteOrigin>();
        var server = app.ApplicationServices.GetRequiredService<SiteServer>();
        return app.MapWhen(
            context => origin.IsSiteHost(context.Request.Host, out _),
            site => site.UseResponseCompression().Run(server.HandleAsync));
    }
}
