using Kiln.Agents;
using Kiln.Agents.Offline;
using Kiln.Api;
using Kiln.Events;
using Kiln.Fleet;
using Kiln.Operations;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Tools;
using Kiln.Versions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Kiln;

/// <summary>Kiln's services and request pipeline, piece by piece (DESIGN.md section 1).</summary>
public static class KilnServices
{
    /// <summary>Largest request body the API reads. Prompts are limited far below this.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddKiln(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(TimeProvider.System);

        // Options, each bound and validated at start.
        services.AddOptions<ProjectsOptions>().BindConfiguration(ProjectsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OfflineModelOptions>().BindConfiguration(OfflineModelOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ToolsOptions>().BindConfiguration(ToolsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PackagesOptions>().BindConfiguration(PackagesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AttachmentsOptions>().BindConfiguration(AttachmentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddOptions<KilnCorsOptions>().BindConfiguration(KilnCorsOptions.Section);
        services.AddOptions<AnthropicOptions>().BindConfiguration(AnthropicOptions.Section).PostConfigure(options =>
        {
            options.ApiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? configuration["ANTHROPIC_API_KEY"] : options.ApiKey;
            options.BaseUrl ??= Uri.TryCreate(configuration["ANTHROPIC_BASE_URL"], UriKind.Absolute, out var url) ? url : null;
        });

        // Projects and events.
        services.AddSingleton<ProjectWorkspace>();
        services.AddProjectStore(configuration);
        services.AddSingleton<EventLog>();
        services.AddHostedService<ProjectRecovery>();

        // The sandbox every command runs in, then the tools and agents.
        services.AddSandbox();
        services.AddSingleton<PackageManager>();
        services.AddSingleton<ProjectCommandRunner>();
        services.AddSingleton<TemplateCache>();
        services.AddSingleton<ProjectToolset>();
        services.AddProjectMcp();
        services.AddSingleton<ViteToolchain>();
        services.AddSingleton<OfflineModelServer>();
        services.AddHostedService(provider => provider.GetRequiredService<OfflineModelServer>());
        services.AddSingleton<ModelEndpointResolver>();
        // A generation streams for minutes; the SDK's own timeout governs each request, not HttpClient's.
        services.AddHttpClient(BuiltinAgentRuntime.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<BuiltinAgentRuntime>();
        services.AddSingleton<ClaudeCodeAgentRuntime>();
        services.AddSingleton(AgentRuntimeChoice.Choose);
        services.AddSingleton<AttachmentStore>();
        services.AddSingleton<GenerationRunner>();
        services.AddSingleton<ErrorFixer>();
        services.AddSingleton<GenerationScheduler>();
        services.AddHostedService(provider => provider.GetRequiredService<GenerationScheduler>());

        // The preview: dev servers and each project's own origin.
        services.AddPreview();

        // Versions: the app's git history, committed by Kiln when each generation ends.
        services.AddSingleton<AppRepository>();
        services.AddSingleton<VersionHistory>();
        // Several instances on one Redis store: project leases, and forwarding to a project's owner.
        services.AddFleet(configuration);

        // The API's plumbing.
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<FormOptions>(options => options.MultipartBodyLengthLimit = MaxRequestBodyBytes);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        services.AddOpenApi();
        services.AddHealthChecks();
        services.AddWebUi();
        // Console times: short for a person reading the simple format, full and in UTC for machines reading JSON,
        // unless Logging:Console:FormatterOptions:TimestampFormat says otherwise.
        services.Configure<SimpleConsoleFormatterOptions>(options => options.TimestampFormat ??= "HH:mm:ss ");
        services.Configure<JsonConsoleFormatterOptions>(options =>
        {
            if (options.TimestampFormat is null)
            {
                options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                options.UseUtcTimestamp = true;
            }
        });
        services.AddHttpLogging(options =>
        {
            options.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            options.CombineLogs = true;
        });
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<KilnCorsOptions>>((cors, kiln) => cors.AddDefaultPolicy(policy =>
                policy.WithOrigins(kiln.Value.Origins).AllowAnyHeader().AllowAnyMethod()));

        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        ListenGuard.EnsureSafe(configuration, auth);
        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, _ => { });
        services.AddAuthorization(options =>
        {
            if (auth.Enabled)
            {
                options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            }
        });

        // Health, metrics, traces, cleanup and shutdown.
        builder.AddOperations();
        return builder;
    }

    public static WebApplication UseKiln(this WebApplication app)
    {
        // Preview hosts first: they leave here for the app's own origin and never reach routing or the API.
        app.UseFleet();
        app.UseProjectActivity();
        app.UsePreviewOrigin();
        app.UseRouting();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseHttpLogging();
        app.UseCors();
        app.UseWebUiFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseFleetForwarding();
        app.UseProjectMcpGuard();
        app.UseWebSockets();
        return app;
    }
}
