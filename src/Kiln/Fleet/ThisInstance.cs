using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Fleet;

/// <summary>
/// This instance as the fleet sees it. Its address is read from Kestrel on first use (requests, and so calls to the
/// projects it owns, come only after Kestrel has bound, and port 0 is then a real port) unless
/// <see cref="FleetOptions.InstanceUrl"/> says it. Its id is also its silo's name in the cluster's membership table.
/// An instance alone (the SQLite store) is never sent requests by another, so an address of all interfaces
/// (0.0.0.0, as in a container) stands for loopback there; in a fleet it must be named.
/// </summary>
public sealed class ThisInstance(
    IOptions<FleetOptions> options, IOptions<StoreOptions> store, IServer? server = null, ILocalSiloDetails? silo = null)
{
    private readonly Lazy<FleetInstance> _instance = new(() => new FleetInstance(
        Required(options.Value.InstanceId),
        options.Value.InstanceUrl is { } configured
            ? Pinned(configured, options.Value.SiloAddress, silo)
            : Listening(
                server ?? throw new InvalidOperationException("Set Kiln:Fleet:InstanceUrl: there is no web server to read it from."),
                alone: store.Value.Store != StoreKind.Redis)));

    /// <summary>A new instance id, for a start whose <see cref="FleetOptions.InstanceId"/> names none.</summary>
    internal static string NewId() => "kiln-" + RandomNumberGenerator.GetHexString(8, lowercase: true);

    /// <summary>Always set: AddFleet gives a start that names none a new one.</summary>
    public string Id => Required(options.Value.InstanceId);

    private static string Required(string? id) => id ?? throw new InvalidOperationException("Kiln:Fleet:InstanceId was not set at start.");

    public FleetInstance Instance => _instance.Value;

    /// <summary>
    /// An http <see cref="FleetOptions.InstanceUrl"/> that names a host, as the address it stands for now, so that no
    /// request forwarded here waits on a name lookup. In containers on one network (compose), looking up a service's name
    /// now and then took 10 to 40 s in the first minute of the fleet, while a forwarded prompt waited and timed out. The
    /// address is the silo's (resolved at start) when both name the same host, else what the name resolves to here. An
    /// https address keeps its name (its certificate names it), and so does a name that resolves to loopback here (a
    /// machine's own name in /etc/hosts), which the others could not use.
    /// </summary>
    private static Uri Pinned(Uri url, string? siloHost, ILocalSiloDetails? silo)
    {
        if (url.Scheme != Uri.UriSchemeHttp || url.HostNameType != UriHostNameType.Dns)
        {
            return url;
        }

        var address = silo is not null && string.Equals(siloHost, url.Host, StringComparison.OrdinalIgnoreCase)
            ? silo.SiloAddress.Endpoint.Address
            : Resolve(url.DnsSafeHost);
        return address is null || IPAddress.IsLoopback(address) ? url : new UriBuilder(url) { Host = address.ToString() }.Uri;
    }

    private static IPAddress? Resolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        }
        catch (SocketException)
        {
            return null; // Kept as named: the others may still resolve it.
        }
    }

    private static Uri Listening(IServer server, bool alone)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            var binding = BindingAddress.Parse(address);
            var unspecified = binding.Host is "0.0.0.0" or "[::]" or "::" or "*" or "+"
                || (IPAddress.TryParse(binding.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)));
            if (binding.Scheme == "http" && (!unspecified || alone))
            {
                return new Uri($"{binding.Scheme}://{(unspecified ? "127.0.0.1" : binding.Host)}:{binding.Port}/");
            }
        }

        throw new InvalidOperationException(
            $"Kiln listens on {string.Join(", ", addresses)}, which the other instances cannot be sent to. Set Kiln:Fleet:InstanceUrl to the address they reach this one at.");
    }
}
