using System.Net;

namespace Kiln.Api;

/// <summary>
/// Kiln runs agents and commands for whoever can reach it, so it refuses to listen beyond loopback unless
/// a token guards the API.
/// </summary>
public static class ListenGuard
{
    public static void EnsureSafe(IConfiguration configuration, AuthOptions auth)
    {
        if (auth.Enabled)
        {
            return;
        }

        var exposed = ConfiguredAddresses(configuration).Where(address => !IsLoopback(address)).ToList();
        if (exposed.Count > 0)
        {
            throw new InvalidOperationException(
                $"Kiln would listen on {string.Join(", ", exposed)}, beyond this machine, without a token. " +
                "Set Kiln:Auth:Token (environment variable Kiln__Auth__Token) or listen on 127.0.0.1.");
        }
    }

    private static IEnumerable<string> ConfiguredAddresses(IConfiguration configuration)
    {
        foreach (var key in new[] { "urls", "ASPNETCORE_URLS" })
        {
            foreach (var url in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return url;
            }
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                yield return url;
            }
        }

        // Ports alone bind every interface.
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            if (configuration[key] is { Length: > 0 } ports)
            {
                yield return $"*:{ports}";
            }
        }
    }

    private static bool IsLoopback(string url)
    {
        var host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        host = host.Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
