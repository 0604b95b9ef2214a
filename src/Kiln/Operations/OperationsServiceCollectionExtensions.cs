using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Kiln.Operations;

/// <summary>Running Kiln as a service: health, metrics and traces, console logs, and a graceful shutdown.</summary>
public static class OperationsServiceCollectionExtensions
{
    /// <summary>The tag of the health checks <c>/readyz</c> runs. Tag a check with it to make readiness depend on it.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateDataAnnotations().ValidateOnStart();

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

        // Shutdown: the API's drain runs before any service stops; the host waits for it and a little more.
        services.AddHostedService<GracefulShutdown>();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) =>
            host.ShutdownTimeout = shutdown.Value.ShutdownTimeout + ShutdownOptions.AfterDrain);

        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [ReadyTag])
            .AddCheck<DiskSpaceHealthCheck>("disk", tags: [ReadyTag])
            .AddCheck<SandboxHealthCheck>("sandbox", tags: [ReadyTag])
            .AddCheck<DrainHealthCheck>("draining", tags: [ReadyTag]);

        services.AddHostedService<LoadGauges>();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("kiln"))
            .WithMetrics(metrics => metrics
                .AddMeter(KilnMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        // Traces leave the process only when a collector is configured; without one, the spans still reach any
        // in-process listener (dotnet-trace, dotnet-monitor) and cost nothing otherwise.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(KilnTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        }

        services.AddAuthorization(options => options.AddPolicy(MetricsAccess.PolicyName, MetricsAccess.Configure));
        return builder;
    }

    /// <summary>
    /// Records a visit to a project's preview origin as use of the project. Goes before the preview origin, which
    /// answers those requests itself.
    /// </summary>
    public static IApplicationBuilder UseProjectActivity(this IApplicationBuilder app)
    {
        var origin = app.ApplicationServices.GetRequiredService<PreviewOrigin>();
        var activity = app.ApplicationServices.GetRequiredService<ProjectActivity>();
        return app.Use((context, next) =>
        {
            if (origin.IsPreviewHost(context.Request.Host, out var projectId) && ProjectIds.IsValid(projectId))
            {
                activity.Touch(projectId);
            }

            return next(context);
        });
    }

    /// <summary>
    /// <c>/healthz</c> (alive: answers while the process serves) and <c>/readyz</c> (ready for work: store, disk,
    /// sandbox, not draining), both anonymous so load balancers and orchestrators can ask; <c>/metrics</c> in
    /// Prometheus format, anonymous from this machine only (see <see cref="MetricsAccess"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();
        routes.MapPrometheusScrapingEndpoint("/metrics")
            .RequireAuthorization(MetricsAccess.PolicyName);
        return routes;
    }
}
