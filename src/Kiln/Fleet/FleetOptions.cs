using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace Kiln.Fleet;

/// <summary>
/// How this instance takes part in a fleet (DESIGN.md section 10). Bound from <c>Kiln:Fleet</c>. Every instance is an
/// Orleans silo: alone (SQLite) a single silo on loopback; with <c>Kiln:Store=redis</c> a member of the cluster whose
/// membership table and grain directory live in that Redis.
/// </summary>
public sealed class FleetOptions : IValidatableObject
{
    public const string Section = "Kiln:Fleet";

    /// <summary>
    /// The address the other instances reach this one at (not nginx's), e.g. <c>http://10.0.0.11:5300</c>.
    /// Default: the first http address Kestrel listens on, which must then be a concrete host, not 0.0.0.0.
    /// </summary>
    public Uri? InstanceUrl { get; set; }

    /// <summary>This instance's name (the silo's name in the membership table). Default: a new random one at each start.</summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string? InstanceId { get; set; }

    /// <summary>
    /// The TCP port the other silos reach this one's silo at. 0 (the default) takes a free port at start (below the
    /// kernel's ephemeral range), which is fine where nothing filters ports between the instances; set one (e.g. 11111)
    /// where a firewall must let it through.
    /// </summary>
    [Range(0, 65535)]
    public int SiloPort { get; set; }

    /// <summary>
    /// The IP address the other silos reach this one at, or a host name resolved to it at start (a compose service's
    /// name, whose container address is known only once it runs). Default: <see cref="InstanceUrl"/>'s host when it
    /// is an IP address, else loopback (every instance on one machine).
    /// </summary>
    public string? SiloAddress { get; set; }

    /// <summary>How long a probe of another silo may take before it counts as missed (Orleans' <c>ProbeTimeout</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row after which a silo is suspected (Orleans' <c>NumMissedProbesLimit</c>).</summary>
    [Range(1, 10)]
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>How often each silo reads the membership table (Orleans' <c>TableRefreshTimeout</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often each silo writes that it is alive (Orleans' <c>IAmAliveTablePublishTimeout</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a request keeps looking for its project's owner while the cluster decides that a silo which stopped
    /// answering is dead (about <see cref="ProbeTimeout"/> × (<see cref="MissedProbesLimit"/> + 1) plus a table refresh).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan OwnerLookupTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How much load this instance carries compared with the others (its machine's share): a new project goes where
    /// running dev servers, running generations and child memory divided by this is least. 2 on a machine twice the size.
    /// </summary>
    [Range(0.01, 1000)]
    public double Weight { get; set; } = 1;

    /// <summary>True to give this instance no new projects (it keeps those it has): set before taking it out of the fleet.</summary>
    public bool Draining { get; set; }

    /// <summary>Where a new project (or one whose owner died) is placed: by load (the default), or on the instance that asked.</summary>
    public ProjectPlacementMode Placement { get; set; } = ProjectPlacementMode.Load;

    /// <summary>How often each instance publishes its load for the others' placement; figures older than three of these are not used.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan LoadPublishInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The silo's advertised address, from <see cref="SiloAddress"/> (its first IPv4 address when it is a host name) or
    /// what the defaults say. Read before validation (the silo is configured first), so a malformed
    /// <see cref="SiloAddress"/> falls through here and fails the start there; a host name that does not resolve fails
    /// the start with its own message.
    /// </summary>
    public IPAddress ResolveAdvertisedAddress()
    {
        if (SiloAddress is { } configured)
        {
            if (IPAddress.TryParse(configured, out var address))
            {
                return address;
            }

            if (Uri.CheckHostName(configured) == UriHostNameType.Dns)
            {
                return Resolve(configured);
            }
        }

        return InstanceUrl is { } url && IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)
            ? ip
            : IPAddress.Loopback;
    }

    private static IPAddress Resolve(string host)
    {
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException exception)
        {
            throw new InvalidOperationException(
                $"Kiln:Fleet:SiloAddress '{host}' does not resolve ({exception.SocketErrorCode}): set the IP address or a host name the other instances reach this one at.",
                exception);
        }

        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"Kiln:Fleet:SiloAddress '{host}' resolves to no address: set the IP address the other instances reach this one at.");
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InstanceUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || url.AbsolutePath != "/"))
        {
            yield return new ValidationResult(
                $"Kiln:Fleet:InstanceUrl '{url}' must be an http or https address with no path, e.g. http://10.0.0.11:5300.",
                [nameof(InstanceUrl)]);
        }

        if (SiloAddress is { } address && !IPAddress.TryParse(address, out _) && Uri.CheckHostName(address) != UriHostNameType.Dns)
        {
            yield return new ValidationResult(
                $"Kiln:Fleet:SiloAddress '{address}' must be an IP address or a host name the other instances reach this one at, e.g. 10.0.0.11 or kiln-1.",
                [nameof(SiloAddress)]);
        }
    }
}
