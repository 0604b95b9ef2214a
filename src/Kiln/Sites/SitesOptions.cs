using System.ComponentModel.DataAnnotations;

namespace Kiln.Sites;

/// <summary>Where published sites are served. Bound from <c>Kiln:Sites</c>.</summary>
public sealed class SitesOptions
{
    public const string Section = "Kiln:Sites";

    /// <summary>
    /// A domain whose subdomains reach Kiln: sites are then <c>{Scheme}://s-{id}.{Domain}/</c>. When unset, the preview's
    /// domain (<c>Kiln:Preview:Domain</c>) is used, and without one <c>http://s-{id}.localhost:{port}/</c>.
    /// May carry a port.
    /// </summary>
    [RegularExpression(@"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$", ErrorMessage = "Kiln:Sites:Domain must be a host name with an optional port, such as 'sites.example.com' (no scheme, no path).")]
    public string? Domain { get; set; }

    /// <summary>The scheme of site URLs under a domain; when unset, the preview's (<c>Kiln:Preview:Scheme</c>).</summary>
    [RegularExpression("^https?$")]
    public string? Scheme { get; set; }
}
