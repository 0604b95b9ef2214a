using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Kiln.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Largest request body the API reads. Prompts are limited far below this.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>
    /// Registers the API: options from <c>Kiln:Auth</c> and <c>Kiln:Cors</c> (validated at start), the Host allowlist, ProblemDetails for
    /// every error, request limits, OpenAPI, the web UI's files, the project MCP endpoint, CORS, the bearer token and
    /// the drain that refuses new generations while the instance stops.
    /// </summary>
    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KilnCorsOptions>().BindConfiguration(KilnCorsOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddHostAllowlist();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDefaults.Customize);
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<FormOptions>(options => options.MultipartBodyLengthLimit = MaxRequestBodyBytes);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        services.AddOpenApi(options => options
            .AddDocumentTransformer<ApiDocumentTransformer>()
            .AddDocumentTransformer<BearerSecurityTransformer>()
            .AddOperationTransformer<BearerSecurityTransformer>());
        services.AddWebUi();
        services.AddProjectMcp();
        services.AddSingleton<InstanceDrain>();

        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<KilnCorsOptions>>((cors, kiln) => cors.AddDefaultPolicy(policy =>
                policy.WithOrigins(kiln.Value.Origins).AllowAnyHeader().AllowAnyMethod()));

        // Read here as well as bound: whether a token is required shapes the authorization policy, and listening
        // beyond loopback without one refuses to start.
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
        return builder;
    }
}
