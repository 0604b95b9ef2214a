using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Kiln.Preview;

/// <summary>
/// Each project's preview origin, <c>p-{id}.localhost:{port}</c> or <c>p-{id}.{Domain}</c>: the one place that
/// turns a Host header into a project and a project into its preview URL. A separate origin per project keeps
/// the app's scripts away from the API's origin, its storage and every other project.
/// </summary>
public sealed class PreviewOrigin(IOptions<PreviewOptions> options, IServer server)
{
    public const string LabelPrefix = "p-";
    private const string Loopback = "localhost";

    private readonly PreviewOptions _options = options.Value;
    private readonly string? _domainHost = options.Value.Domain?.Split(':')[0].ToLowerInvariant();

    /// <summary>
    /// True when <paramref name="host"/> is a preview host; <paramref name="label"/> is then what follows <c>p-</c>,
    /// which may still name no project. Such a request belongs to the preview whatever its path: the API never answers it.
    /// </summary>
    public bool IsPreviewHost(HostString host, [NotNullWhen(true)] out string? label)
    {
        label = null;
        var name = host.Host;
        if (!name.StartsWith(LabelPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return false;
        }

        var parent = name[(dot + 1)..].TrimEnd('.');
        if (!parent.Equals(Loopback, StringComparison.OrdinalIgnoreCase) &&
            !(_domainHost is not null && parent.Equals(_domainHost, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        label = name[LabelPrefix.Length..dot].ToLowerInvariant();
        return true;
    }

    /// <summary>The preview URL of a project, with a trailing slash so the app's relative links resolve.</summary>
    public Uri UrlFor(string projectId)
    {
        if (_options.Domain is { } domain)
        {
            return new Uri($"{_options.Scheme}://{LabelPrefix}{projectId}.{domain}/");
        }

        return LocalUrlFor(projectId);
    }

    /// <summary>
    /// A project's preview as Kiln itself reaches it on this machine, <c>{scheme}://p-{id}.localhost:{port}/</c> on the
    /// port Kestrel bound, whatever <see cref="PreviewOptions.Domain"/> says: a public domain may sit behind a proxy
    /// this machine cannot reach. A client connects its host to <see cref="LocalAddress"/>.
    /// </summary>
    public Uri LocalUrlFor(string projectId)
    {
        var (scheme, port) = Listening();
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{scheme}://{LabelPrefix}{projectId}.{Loopback}:{port}/"));
    }

    /// <summary>
    /// Where a connection to <see cref="LocalUrlFor"/> goes: the address Kestrel bound, or loopback when it listens
    /// on every address or on a name.
    /// </summary>
    public IPAddress LocalAddress()
    {
        var host = Binding().Host;
        return IPAddress.TryParse(host, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)
            ? address
            : IPAddress.Loopback;
    }

    /// <summary>Kiln's own scheme and port, as Kestrel bound them (port 0 in tests becomes the real port).</summary>
    public (string Scheme, int Port) Listening()
    {
        var binding = Binding();
        return (binding.Scheme, binding.Port);
    }

    private BindingAddress Binding()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var chosen = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault();
        if (chosen is null)
        {
            throw new InvalidOperationException("Kiln is not listening on any address yet, so a preview URL cannot be made.");
        }

        return BindingAddress.Parse(chosen);
    }
}
