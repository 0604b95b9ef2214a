using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Kiln.Fleet;

/// <summary>
/// This instance as the fleet sees it. Its address is read from Kestrel on first use (requests and leases come
/// only after Kestrel has bound, and port 0 is then a real port) unless <see cref="FleetOptions.InstanceUrl"/> says it.
/// </summary>
public sealed class ThisInstance(IOptions<FleetOptions> options, IServer server)
{
    private readonly Lazy<FleetInstance> _instance = new(() => new FleetInstance(
        options.Value.InstanceId ?? GeneratedId, options.Value.InstanceUrl ?? Listening(server)));

    private static readonly string GeneratedId = "kiln-" + RandomNumberGenerator.GetHexString(8, lowercase: true);

    public string Id { get; } = options.Value.InstanceId ?? GeneratedId;

    public FleetInstance Instance => _instance.Value;

    private static Uri Listening(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            var binding = BindingAddress.Parse(address);
            var unspecified = binding.Host is "0.0.0.0" or "[::]" or "::" or "*" or "+"
                || (IPAddress.TryParse(binding.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)));
            if (binding.Scheme == "http" && !unspecified)
            {
                return new Uri($"{binding.Scheme}://{binding.Host}:{binding.Port}/");
            }
        }

        throw new InvalidOperationException(
            $"Kiln listens on {string.Join(", ", addresses)}, which the other instances cannot be sent to. Set Kiln:Fleet:InstanceUrl to the address they reach this one at.");
    }
}
