using Kiln.Preview;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace Kiln.Api;

/// <summary>
/// The Host header Kiln answers, against DNS rebinding: a page on <c>evil.example</c> whose name later resolves to
/// 127.0.0.1 is same-origin with itself and could read the whole API, but its requests still carry
/// <c>Host: evil.example</c>. ASP.NET Core's host filtering (first in the pipeline of every <c>WebApplication</c>)
/// does the check; this fills its <c>AllowedHosts</c> with Kiln's own names, and answers its refusal with a
/// ProblemDetails instead of an empty 400.
/// </summary>
public static class HostAllowlist
{
    /// <summary>Loopback names and <c>*.localhost</c> (previews <c>p-{id}.localhost</c>): browsers resolve them to this machine only.</summary>
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]", "*.localhost"];

    /// <summary>
    /// Answers <see cref="LoopbackHosts"/>, the previews' <c>*.{Kiln:Preview:Domain}</c>, the hosts of
    /// <c>Kiln:PublicOrigins</c> and those ASP.NET Core's own <c>AllowedHosts</c> lists; <c>AllowedHosts=*</c> turns the check off.
    /// </summary>
    public static IServiceCollection AddHostAllowlist(this IServiceCollection services)
    {
        services.AddOptions<HostFilteringOptions>()
            .PostConfigure<IConfiguration, IOptions<PreviewOptions>, IOptions<PublicOriginsOptions>>((filtering, configuration, preview, publicOrigins) =>
            {
                filtering.IncludeFailureMessage = false;
                var configured = (configuration["AllowedHosts"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (configured is ["*"])
                {
                    return;
                }

                filtering.AllowedHosts =
                [
                    .. LoopbackHosts,
                    .. preview.Value.Domain is { } domain ? [$"*.{domain.Split(':')[0]}"] : Array.Empty<string>(),
                    .. publicOrigins.Value.Origins.Select(origin => new HostString(origin.Authority).Host),
                    .. configured,
                ];
            });

        // First of all startup filters, so its middleware wraps the host filtering WebApplication's defaults put first.
        services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, RefusalAsProblem>());
        return services;
    }

    private sealed class RefusalAsProblem : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var filtering = app.ApplicationServices.GetRequiredService<IOptionsMonitor<HostFilteringOptions>>();
            app.Use(async (context, nextMiddleware) =>
            {
                await nextMiddleware(context);
                var host = context.Request.Headers.Host.ToString();
                if (context.Response is { StatusCode: StatusCodes.Status400BadRequest, HasStarted: false }
                    && host.Length > 0 && !IsAllowed(host, filtering.CurrentValue.AllowedHosts))
                {
                    await Problems.UnknownHost(host).ExecuteAsync(context);
                }
            });
            next(app);
        };

        private static bool IsAllowed(string host, IList<string> allowed)
        {
            try
            {
                return HostString.MatchesAny(host, allowed.Select(entry => new Microsoft.Extensions.Primitives.StringSegment(entry)).ToList());
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }
}
