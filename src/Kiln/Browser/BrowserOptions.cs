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
    /// After the page's load event, how long its network must be quiet (no request in flight) before the screenshot:
    /// a React app renders and starts fetching its data within milliseconds of its scripts running.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan QuietPeriod { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait for that quiet after the load event: a page that polls or streams is shown as it is then.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
