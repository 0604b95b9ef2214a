using Kiln.Projects;

namespace Kiln.Preview;

public static class PreviewServiceCollectionExtensions
{
    /// <summary>Registers the preview: options from <c>Kiln:Preview</c> and <c>Kiln:PublicOrigins</c> (validated at start), the dev server supervisor, the errors it collects and the proxy.</summary>
    public static IServiceCollection AddPreview(this IServiceCollection services)
    {
        services.AddOptions<PreviewOptions>().BindConfiguration(PreviewOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PublicOriginsOptions>().BindConfiguration(PublicOriginsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpForwarder();
        services.AddSingleton<PreviewOrigin>();
        services.AddSingleton<PortPool>();
        services.AddSingleton<ViteSourceTags>();
        services.AddSingleton<PreviewUpstream>();
        services.AddSingleton<DevServerSupervisor>();
        services.AddSingleton<AppStartCheck>();
        services.AddHostedService(provider => provider.GetRequiredService<DevServerSupervisor>());
        services.AddProjectStateHolder<DevServerSupervisor>();
        services.AddSingleton<DevServerForwarder>();
        services.AddSingleton<PreviewFileServer>();
        services.AddProjectStateHolder<PreviewFileServer>();
        services.AddSingleton<StartOnVisit>();
        services.AddSingleton<PreviewResponseHeaders>();
        services.AddSingleton<PreviewProxy>();
        services.AddSingleton<VitePublicFiles>();
        services.AddProjectStateHolder<VitePublicFiles>();
        services.AddSingleton<PreviewErrors>();
        services.AddProjectStateHolder<PreviewErrors>();
        services.AddSingleton<PreviewErrorEndpoint>();
        services.AddSingleton<PreviewSelectScript>();
        return services;
    }

    /// <summary>
    /// Sends every request for a preview host (<c>p-{id}.localhost</c>, <c>p-{id}.{Domain}</c>) to the preview and
    /// nowhere else, before routing, authentication or any API endpoint sees it: API routes never answer on a
    /// preview origin, and the preview needs no API token (its address is the capability).
    /// </summary>
    public static IApplicationBuilder UsePreviewOrigin(this IApplicationBuilder app)
    {
        var origin = app.ApplicationServices.GetRequiredService<PreviewOrigin>();
        var proxy = app.ApplicationServices.GetRequiredService<PreviewProxy>();
        return app.MapWhen(
            context => origin.IsPreviewHost(context.Request.Host, out _),
            preview => preview.Run(proxy.HandleAsync));
    }
}
