using System.ComponentModel.DataAnnotations;

namespace Kiln.Preview;

/// <summary>
/// Where people open Kiln's UI besides loopback, such as <c>https://kiln.example.com</c> behind nginx with TLS, where the
/// browser's origin is not the scheme and host Kestrel sees. Bound from <c>Kiln</c> (key <c>PublicOrigins</c>). Their
/// hosts are answered, their pages may change state through the API, and they may frame previews.
/// </summary>
public sealed class PublicOriginsOptions : IValidatableObject
{
    public const string Section = "Kiln";

    /// <summary>Origins as a browser writes them: scheme, host and an optional port, no path.</summary>
    public List<string> PublicOrigins { get; set; } = [];

    /// <summary>Each origin as a browser sends it in <c>Origin</c>: lower-case host, no default port, no trailing slash.</summary>
    public IEnumerable<Uri> Origins => PublicOrigins.Select(origin => new Uri(new Uri(origin).GetLeftPart(UriPartial.Authority)));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in PublicOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
                || url.PathAndQuery != "/" || url.Fragment.Length > 0 || url.UserInfo.Length > 0)
            {
                yield return new ValidationResult(
                    $"Kiln:PublicOrigins '{origin}' must be an origin: http or https, a host and an optional port, no path (https://kiln.example.com).",
                    [nameof(PublicOrigins)]);
            }
        }
    }
}
