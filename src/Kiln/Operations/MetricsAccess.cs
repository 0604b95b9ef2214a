using System.Net;
using Kiln.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Kiln.Operations;

/// <summary>
/// Who may read <c>/metrics</c> when Kiln runs with a token: a scraper on this machine without it (the usual
/// Prometheus agent or node exporter setup), anyone else with the token (Prometheus sends it with
/// <c>authorization: {credentials: …}</c>). Metrics carry no project id or prompt, but they tell how busy Kiln is
/// and which tools run, which is not for the internet. A request a proxy forwarded (<c>X-Forwarded-For</c> or
/// <c>Forwarded</c>) is not local, even though its connection comes from loopback.
/// </summary>
public static class MetricsAccess
{
    public const string PolicyName = "metrics";

    public static void Configure(AuthorizationPolicyBuilder policy) =>
        policy.RequireAssertion(context => context.Resource is HttpContext http && IsAllowed(http));

    private static bool IsAllowed(HttpContext http) =>
        !http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled
        || http.User.Identity?.IsAuthenticated == true
        || IsLocal(http);

    private static bool IsLocal(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address)
        && !http.Request.Headers.ContainsKey("X-Forwarded-For")
        && !http.Request.Headers.ContainsKey("Forwarded");
}
