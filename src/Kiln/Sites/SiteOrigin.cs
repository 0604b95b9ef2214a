using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Kiln.Preview;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Kiln.Sites;

/// <summary>
/// Each project's published site origin, <c>s-{id}.localhost:{port}</c> or <c>s-{id}.{Domain}</c>: the one place that
/// turns a Host header into a site and a project into its site URL. Never the API's origin nor the preview's, so a
/// published app's scripts reach neither the API's storage nor the app still being generated.
/// </summary>
public sealed class SiteOrigin(IOptions<SitesOptions> options, IOptions<PreviewOptions> preview, IServer server)
{
    public const string LabelPrefix = "s-";
    private const string Loopback = "localhost";

    private readonly string? _domain = options.Value.Domain ?? preview.Value.Domain;
    private readonly string _scheme = options.Value.Scheme ?? preview.Value.Scheme;

    /// <summary>
    /// True when <paramref name="host"/> is a site host; <paramref name="label"/> is then what follows <c>s-</c>, which may
    /// still name no project. Such a request belongs to the site whatever its path: the API never answers it.
    /// </summary>
    public bool IsSiteHost(HostString host, [NotNullWhen(true)] out string? label)
    {
        label = null;
        var name = host.Host;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (!name.StartsWith(LabelPrefix, StringComparison.OrdinalIgnoreCase) || dot < 0)
        {
            return false;
        }

        var parent = name[(dot + 1)..].TrimEnd('.');
        var domainHost = _domain?.Split(':')[0];
        if (!parent.Equals(Loopback, StringComparison.OrdinalIgnoreCase) &&
            !(domainHost is not null && parent.Equals(domainHost, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        label = name[LabelPrefix.Length..dot].ToLowerInvariant();
        return true;
    }

    /// <summary>The site's URL, with a trailing slash.</summary>
    public Uri UrlFor(string projectId)
    {
        if (_domain is { } domain)
        {
            return new Uri($"{_scheme}://{LabelPrefix}{projectId}.{domain}/");
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var chosen = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kiln is not listening on any address yet, so a site URL cannot be made.");
        var binding = BindingAddress.Parse(chosen);
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{binding.Scheme}://{LabelPrefix}{projectId}.{Loopback}:{binding.Port}/"));
    }
}
