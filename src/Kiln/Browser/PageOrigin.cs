namespace Kiln.Browser;

/// <summary>Origins as browsers compare them: scheme, host and port.</summary>
public static class PageOrigin
{
    /// <summary>True when <paramref name="url"/> is on the same origin as <paramref name="home"/>.</summary>
    public static bool IsSame(Uri url, Uri home) =>
        url.IsAbsoluteUri
        && string.Equals(url.Scheme, home.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, home.IdnHost, StringComparison.OrdinalIgnoreCase)
        && url.Port == home.Port;

    /// <summary><c>scheme://host:port</c>, with no path.</summary>
    public static string Of(Uri url) => url.GetLeftPart(UriPartial.Authority);
}
