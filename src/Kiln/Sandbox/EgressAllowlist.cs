using System.Globalization;
using System.Net;

namespace Kiln.Sandbox;

/// <summary>
/// The hosts an <see cref="EgressProxy"/> lets a command reach: <c>host</c> (ports 80 and 443), <c>host:port</c>,
/// <c>*.domain</c> (any subdomain, not the domain itself) and <c>*.domain:port</c>. Names compare without case and
/// without a trailing dot; an IP address matches only an entry that is that address.
/// </summary>
internal sealed class EgressAllowlist
{
    private static readonly int[] WebPorts = [80, 443];

    private readonly List<Rule> _rules;

    private EgressAllowlist(List<Rule> rules) => _rules = rules;

    /// <summary>Parses every entry; throws <see cref="ArgumentException"/> for one that <see cref="Check"/> refuses.</summary>
    public static EgressAllowlist Parse(IEnumerable<string> entries)
    {
        var rules = new List<Rule>();
        foreach (var entry in entries)
        {
            rules.Add(TryParse(entry, out var rule, out var problem)
                ? rule
                : throw new ArgumentException($"Allowed host '{entry}' {problem}", nameof(entries)));
        }

        return new EgressAllowlist(rules);
    }

    /// <summary>Null when <paramref name="entry"/> is a valid entry, else the rest of a sentence that says why not.</summary>
    public static string? Check(string entry) => TryParse(entry, out _, out var problem) ? null : problem;

    /// <summary>
    /// The entry that allows <paramref name="host"/> on <paramref name="port"/>, or null when none does. An entry for a
    /// name on this machine (<c>localhost</c>, a loopback address) is the only kind that may reach loopback; see
    /// <see cref="Rule.NamesLoopback"/>.
    /// </summary>
    public Rule? Match(string host, int port)
    {
        var name = Normalize(host);
        foreach (var rule in _rules)
        {
            var portMatches = rule.Port is { } only ? only == port : WebPorts.Contains(port);
            var hostMatches = rule.Subdomains
                ? name.Length > rule.Host.Length && name.EndsWith("." + rule.Host, StringComparison.Ordinal)
                : name == rule.Host;
            if (portMatches && hostMatches)
            {
                return rule;
            }
        }

        return null;
    }

    public override string ToString() => _rules.Count == 0 ? "(none)" : string.Join(", ", _rules);

    /// <summary>
    /// Splits <c>host</c>, <c>host:port</c>, <c>[v6]</c> or <c>[v6]:port</c>; a bare IPv6 address has no port. False
    /// when the port is not a number from 1 to 65535.
    /// </summary>
    public static bool TrySplit(string text, out string host, out int? port)
    {
        host = text;
        port = null;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':')
                {
                    return false;
                }

                portText = text[(close + 2)..];
            }
        }
        else if (text.IndexOf(':', StringComparison.Ordinal) is >= 0 and var colon && colon == text.LastIndexOf(':'))
        {
            host = text[..colon];
            portText = text[(colon + 1)..];
        }

        if (portText is null)
        {
            return true;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            return false;
        }

        port = number;
        return true;
    }

    /// <summary>Lower case, no trailing dot, and an IP address in its one canonical form.</summary>
    public static string Normalize(string host)
    {
        var name = host.Trim().TrimEnd('.').ToLowerInvariant();
        return IPAddress.TryParse(name, out var address) ? Canonical(address).ToString() : name;
    }

    /// <summary>True for an address that reaches this machine: loopback, and the unspecified address, which Linux routes to it.</summary>
    public static bool IsThisMachine(IPAddress address)
    {
        var canonical = Canonical(address);
        return IPAddress.IsLoopback(canonical) || canonical.Equals(IPAddress.Any) || canonical.Equals(IPAddress.IPv6Any);
    }

    private static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool TryParse(string entry, out Rule rule, out string? problem)
    {
        rule = default;
        var text = (entry ?? "").Trim();
        if (!TrySplit(text, out var host, out var port))
        {
            problem = "must be a host name or IP address with an optional port from 1 to 65535, such as 'registry.npmjs.org' or 'npm.internal:4873'.";
            return false;
        }

        var subdomains = host.StartsWith("*.", StringComparison.Ordinal);
        var name = Normalize(subdomains ? host[2..] : host);
        var kind = Uri.CheckHostName(name);
        if (kind == UriHostNameType.Unknown || (subdomains && kind != UriHostNameType.Dns))
        {
            problem = "must name a host ('registry.npmjs.org', '10.0.0.5', '[::1]') or a domain's subdomains ('*.example.com'), with an optional port.";
            return false;
        }

        rule = new Rule(name, subdomains, port);
        problem = null;
        return true;
    }

    /// <summary>One entry of the list.</summary>
    /// <param name="Host">The normalised name or address; for <paramref name="Subdomains"/>, the domain.</param>
    /// <param name="Subdomains">The entry was <c>*.{Host}</c>.</param>
    /// <param name="Port">The one port it allows, or null for 80 and 443.</param>
    public readonly record struct Rule(string Host, bool Subdomains, int? Port)
    {
        /// <summary>
        /// The entry names this machine itself (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>): a registry on loopback.
        /// Only then may a connection go to a loopback address; any other name that resolves to one (a DNS entry
        /// pointing at 127.0.0.1) is refused, so an allowed domain can never be turned into a way to reach Kiln.
        /// </summary>
        public bool NamesLoopback => !Subdomains && (Host == "localhost" || (IPAddress.TryParse(Host, out var address) && IsThisMachine(address)));

        public override string ToString()
        {
            var host = (Subdomains ? "*." : "") + (Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host);
            return Port is { } port ? $"{host}:{port.ToString(CultureInfo.InvariantCulture)}" : host;
        }
    }
}
