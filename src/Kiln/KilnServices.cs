using Kiln.Agents;
using Kiln.Api;
using Kiln.Browser;
using Kiln.Events;
using Kiln.Fleet;
using Kiln.Offline;
using Kiln.Operations;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Sites;
using Kiln.Tools;
using Kiln.Versions;

namespace Kiln;

/// <summary>The composition root: Kiln's pieces (DESIGN.md section 1), each registering its own services, and the request pipeline.</summary>
public static class KilnServices
{
    public static WebApplicationBuilder AddKiln(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(TimeProvider.System);

        // From the bottom of DESIGN.md section 8 up: each piece uses only those registered before it.
        services.AddSandbox();
        services.AddProjects(configuration);
        services.AddEvents(configuration);
        services.AddPreview();
        services.AddVersions();
        services.AddSites();
        services.AddBrowser();
        services.AddTools();
        services.AddOfflineModel();
        services.AddAgents(configuration);
        builder.AddApi();

        // At the edge: several instances on one store, and running Kiln as a service.
        builder.AddFleet();
        builder.AddOperations();
        return builder;
    }

    public static WebApplication UseKiln(this WebApplication app)
    {
        // Preview and site hosts first: they leave here for the app's own origin and never reach routing or the API.
        app.UseFleet();
        app.UseProjectActivity();
        app.UsePreviewOrigin();
        app.UseSiteOrigin();
        app.UseRouting();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseHttpLogging();
        app.UseCors();
        app.UseOriginGuard();
        app.UseWebUiFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseFleetForwarding();
        app.UseProjectMcpGuard();
        app.UseWebSockets();
        return app;
    }
}
