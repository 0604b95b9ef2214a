namespace Kiln.Sandbox;

/// <summary>
/// The way out a command is given: <paramref name="Hosts"/>, reached through Kiln's egress proxy, which connects through
/// <paramref name="UpstreamProxy"/> when one is given. <see cref="SandboxOptions.AllowedHosts"/> replaces the hosts and
/// <see cref="SandboxOptions.UpstreamProxy"/> the proxy when they are configured: the caller names what it needs (the
/// package registry), the operator has the last word.
/// </summary>
/// <param name="Hosts">Entries as <see cref="SandboxOptions.AllowedHosts"/> takes them: <c>host</c>, <c>host:port</c>, <c>*.domain</c>.</param>
/// <param name="UpstreamProxy">An http:// proxy the host's own tools use, or null to follow Kiln's environment.</param>
public sealed record EgressGrant(IReadOnlyList<string> Hosts, Uri? UpstreamProxy = null)
{
    /// <summary>
    /// The hosts are the one place a person named for this command (a git remote), not a default:
    /// <see cref="SandboxOptions.AllowedHosts"/>, which is about package installs, does not replace them.
    /// </summary>
    public bool HostsNamedByPerson { get; init; }
}
