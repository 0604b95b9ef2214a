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
    /// Longest one check may take, from opening the page to the screenshot. Past it the check is abandoned: its
    /// page is closed, and the browser is restarted when it does not answer (an app in an endless loop, say).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:05:00")]
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest wait for Kiln's browser before a check starts: Chromium's own start when it is not running (a few
    /// seconds cold, more on a busy machine), or another check killing a browser that hung.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:05:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After the page's load event, how long its network must be quiet (no request in flight) before the screenshot:
    /// a React app renders and starts fetching its data within milliseconds of its scripts running.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan QuietPeriod { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait for that quiet after the load event: a page that polls or streams is shown as it is then.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most pages Kiln opens again when a generation ends, to find the ones that rendered before and fail now (the
    /// pages that rendered most recently first). 0 switches the regression guard off; checks are still kept per version.
    /// </summary>
    [Range(0, 20)]
    public int RecheckPages { get; set; } = 10;

    /// <summary>
    /// Longest the re-check at the end of a generation may take, all its pages together (a dev server start included):
    /// the generation's status waits for it. Pages not reached by then are not checked.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan RecheckTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
