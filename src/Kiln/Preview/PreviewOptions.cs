using System.ComponentModel.DataAnnotations;

namespace Kiln.Preview;

/// <summary>Settings of the preview: its origin, the dev servers' ports and how long they live. Bound from <c>Kiln:Preview</c>.</summary>
public sealed class PreviewOptions : IValidatableObject
{
    public const string Section = "Kiln:Preview";

    /// <summary>
    /// A domain whose subdomains reach Kiln (a wildcard DNS record and, usually, TLS in front):
    /// previews are then <c>{Scheme}://p-{id}.{Domain}/</c>. When unset they are <c>http://p-{id}.localhost:{port}/</c>,
    /// which browsers resolve to loopback. May carry a port (<c>preview.example.com:8443</c>).
    /// </summary>
    public string? Domain { get; set; }

    /// <summary>The scheme of preview URLs under <see cref="Domain"/>; a real domain is normally behind TLS.</summary>
    [RegularExpression("^https?$")]
    public string Scheme { get; set; } = "https";

    /// <summary>First port of the pool the dev servers listen on (127.0.0.1 only).</summary>
    [Range(1024, 65535)]
    public int PortRangeStart { get; set; } = 5400;

    /// <summary>Last port of the pool, inclusive.</summary>
    [Range(1024, 65535)]
    public int PortRangeEnd { get; set; } = 5499;

    /// <summary>A dev server that served no request for this long is stopped; the next preview request starts it again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Dev servers running at once; starting one more stops the least recently used.</summary>
    [Range(1, 1000)]
    public int MaxRunningServers { get; set; } = 8;

    /// <summary>
    /// RLIMIT_CPU of a dev server's processes. A dev server lives for hours and compiles on every change, so the
    /// sandbox's per-command limit (<c>Kiln:Sandbox:CpuSeconds</c>, meant for installs and builds) would kill a busy one;
    /// this still ends a runaway loop. Hitting it counts as a crash (restarted once).
    /// </summary>
    [Range(60, 604_800)]
    public int DevServerCpuSeconds { get; set; } = 4 * 3600;

    /// <summary>How long a dev server may take to answer HTTP after it was started before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PortRangeEnd < PortRangeStart)
        {
            yield return new ValidationResult(
                $"{nameof(PortRangeEnd)} ({PortRangeEnd}) must not be below {nameof(PortRangeStart)} ({PortRangeStart}).",
                [nameof(PortRangeEnd)]);
        }

        if (PortRangeEnd - PortRangeStart + 1 < MaxRunningServers)
        {
            yield return new ValidationResult(
                $"The port range {PortRangeStart}-{PortRangeEnd} has fewer ports than {nameof(MaxRunningServers)} ({MaxRunningServers}).",
                [nameof(PortRangeStart), nameof(PortRangeEnd)]);
        }

        if (Domain is { } domain && !IsHostAndPort(domain))
        {
            yield return new ValidationResult(
                $"{nameof(Domain)} '{domain}' must be a host name with an optional port, such as 'preview.example.com' (no scheme, no path).",
                [nameof(Domain)]);
        }
    }

    private static bool IsHostAndPort(string domain)
    {
        var parts = domain.Split(':');
        return parts.Length <= 2
            && Uri.CheckHostName(parts[0]) == UriHostNameType.Dns
            && (parts.Length == 1 || (int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536));
    }
}
