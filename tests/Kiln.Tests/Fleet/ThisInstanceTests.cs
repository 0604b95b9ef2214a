using System.Net;
using Kiln.Fleet;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Fleet;

/// <summary>
/// The address other instances forward this one's requests to. A host name in an http InstanceUrl stands for the address
/// it names at start, so a forwarded request never waits on a name lookup (compose's service names took up to 40 s to
/// resolve in a fleet's first minute); names that cannot be pinned safely stay as they are.
/// </summary>
public sealed class ThisInstanceTests
{
    [Fact]
    public void An_http_url_naming_the_silos_host_is_sent_to_the_silos_address()
    {
        var instance = Instance("http://kiln-1:5300/", siloAddress: "kiln-1", new IPEndPoint(IPAddress.Parse("10.89.0.3"), 11111));

        Assert.Equal(new Uri("http://10.89.0.3:5300/"), instance.Instance.Url);
    }

    [Theory]
    [InlineData("https://kiln-1:5300/")] // its certificate names the host
    [InlineData("http://localhost:5300/")] // loopback here is nobody else's
    [InlineData("http://10.0.0.11:5300/")] // an address already
    public void Urls_that_cannot_be_pinned_safely_stay_as_configured(string url)
    {
        var instance = Instance(url, siloAddress: "kiln-1", new IPEndPoint(IPAddress.Parse("10.89.0.3"), 11111));

        Assert.Equal(new Uri(url), instance.Instance.Url);
    }

    private static ThisInstance Instance(string url, string siloAddress, IPEndPoint silo) => new(
        Options.Create(new FleetOptions { InstanceId = "kiln-1", InstanceUrl = new Uri(url), SiloAddress = siloAddress }),
        Options.Create(new StoreOptions { Store = StoreKind.Redis }),
        silo: new Silo(SiloAddress.New(silo, 1)));

    private sealed record Silo(SiloAddress SiloAddress) : ILocalSiloDetails
    {
        public string Name => "kiln-1";

        public string ClusterId => "kiln";

        public string DnsHostName => "kiln-1";

        public SiloAddress GatewayAddress => SiloAddress.Zero;
    }
}
