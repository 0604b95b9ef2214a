using System.ComponentModel.DataAnnotations;

namespace Kiln.Browser;

/// <summary>Kiln's headless browser, which <c>check_app</c> opens the app in. Bound from <c>Kiln:Browser</c>.</summary>
public sealed class BrowserOptions
{
    public const string Section = "Kiln:Browser";

    /// <summary>
    /// Chromium's executable; Debian's <c>chromium</c> package puts it here. Kiln never downloads a browser: when this
    /// file is missing, <c>check_app</c> answers with the install step and the rest of Kiln works as before.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string ExecutablePath { get; set; } = "/usr/bin/chromium";

    /// <summary>
    /// Longest one check may take, from asking for the browser to the screenshot. Past it the check is abandoned: its
    /// page is closed, and the browser is restarted when it does not answer (an app in an endless loop, say).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:05:00")]
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After the page's load event, longest wait for its network to go quiet (no request for 500 ms) before the
    /// screenshot: long enough for a React app's first render and its data, bounded for a page that polls.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
