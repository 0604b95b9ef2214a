using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
// Orleans brings an IRequest of its own into every file.
using IRequest = Microsoft.Playwright.IRequest;

namespace Kiln.Browser;

/// <summary>
/// One check of one page: a browser context of its own, routes that let only the page's origin through, listeners
/// that collect what the page logs, throws and fails to load, then the visit, a bounded wait for the page to settle,
/// its title and a screenshot. What was collected so far can be told even when the check is abandoned.
/// </summary>
internal sealed class PageCheck(Uri url, int width, int height, TimeProvider time)
{
    /// <summary>How often the wait for quiet looks again while requests are in flight.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    private const int MaxTextChars = 2000;

    private const string BlockedReason = "blockedbyclient";

    private const string ReporterScript = "/__kiln/errors.js";

    private readonly Lock _lock = new();
    private readonly List<PageMessage> _errors = [];
    private readonly List<PageMessage> _warnings = [];
    private readonly List<string> _exceptions = [];
    private readonly List<FailedRequest> _failed = [];
    private int _left;
    private int _inFlight;
    private long _lastActivity;
    private IBrowserContext? _context;
    private int? _status;
    private string? _navigationError;
    private string _title = "";
    private bool _settled;
    private byte[] _screenshot = [];

    public async Task RunAsync(IBrowser browser, BrowserNewContextOptions options, BrowserOptions timing)
    {
        // Navigation gets half the check's time, so a page whose load event never comes is still screenshotted as it is.
        var navigationTimeout = timing.CheckTimeout / 2;
        var context = await browser.NewContextAsync(options);
        lock (_lock)
        {
            _context = context;
        }

        // Anything not on the page's origin is refused before it leaves the browser: the app cannot use Kiln's
        // browser to reach the API, another project or the network. The regex runs in Playwright's driver, so requests
        // to the origin itself never make the trip to .NET.
        await context.RouteAsync(OutsideOrigin(url), route => route.AbortAsync(BlockedReason));
        var page = await context.NewPageAsync();
        page.Console += (_, message) => OnConsole(message);
        page.PageError += (_, error) => Add(_exceptions, Cut(error));
        page.Request += (_, _) => Activity(+1);
        page.RequestFinished += (_, _) => Activity(-1);
        page.RequestFailed += (_, request) =>
        {
            Activity(-1);
            OnRequestFailed(request);
        };
        page.Response += (_, response) => OnResponse(response);

        try
        {
            var response = await page.GotoAsync(url.ToString(), new PageGotoOptions
            {
                WaitUntil = WaitUntilState.Load,
                Timeout = (float)navigationTimeout.TotalMilliseconds,
            });
            _status = response?.Status;
        }
        catch (TimeoutException)
        {
            _navigationError = $"The page did not finish loading (its load event) within {navigationTimeout.TotalSeconds:0} s.";
        }
        catch (PlaywrightException exception) when (exception.Message.Contains("net::", StringComparison.Ordinal))
        {
            _navigationError = $"The page could not be opened: {exception.Message.Split('\n', 2)[0].Trim()}";
        }

        _settled = _navigationError is null && await QuietAsync(timing.QuietPeriod, timing.SettleTimeout);

        _title = await page.TitleAsync();
        _screenshot = await page.ScreenshotAsync(new PageScreenshotOptions { Type = ScreenshotType.Png });
    }

    /// <summary>
    /// Waits until no request has been in flight for <paramref name="quiet"/>, for at most <paramref name="limit"/>; false
    /// when the page never went quiet (it polls or streams) and is shown as it is. Playwright's own network idle asks
    /// for 500 ms of quiet, twice what a page needs to show its first render and start fetching its data.
    /// </summary>
    private async Task<bool> QuietAsync(TimeSpan quiet, TimeSpan limit)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            TimeSpan idle;
            lock (_lock)
            {
                idle = _inFlight == 0 ? time.GetElapsedTime(_lastActivity) : TimeSpan.Zero;
            }

            if (idle >= quiet)
            {
                return true;
            }

            var left = limit - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            var wait = idle > TimeSpan.Zero ? quiet - idle : Poll;
            await Task.Delay(wait < left ? wait : left, time);
        }
    }

    private void Activity(int change)
    {
        lock (_lock)
        {
            // A request the browser never reported as started (a redirect's second leg, say) must not make the count negative.
            _inFlight = Math.Max(0, _inFlight + change);
            _lastActivity = time.GetTimestamp();
        }
    }

    /// <summary>Closes the check's context; false when the browser did not answer within <paramref name="grace"/>.</summary>
    public async Task<bool> CloseAsync(TimeSpan grace)
    {
        IBrowserContext? context;
        lock (_lock)
        {
            context = _context;
            _context = null;
        }

        if (context is null)
        {
            return true;
        }

        try
        {
            await context.CloseAsync().WaitAsync(grace);
            return true;
        }
        catch (PlaywrightException)
        {
            // The browser went away with it: closed either way.
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public PageReport Report(TimeSpan duration)
    {
        lock (_lock)
        {
            return new PageReport(url, width, height, _status, _navigationError, _title,
                [.. _errors], [.. _warnings], [.. _exceptions], [.. _failed], _left, _settled, _screenshot, duration);
        }
    }

    /// <summary>What was collected before the check was abandoned, as lines to append to the reason; empty when nothing.</summary>
    public string SoFar()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            foreach (var exception in _exceptions)
            {
                text.Append("\nUncaught exception: ").Append(exception);
            }

            foreach (var error in _errors)
            {
                text.Append("\nConsole error: ").Append(error.Text);
            }

            foreach (var failed in _failed)
            {
                text.Append("\nFailed request: ").Append(failed.Method).Append(' ').Append(failed.Url);
            }
        }

        return text.Length == 0 ? "" : "\nSeen before it was abandoned:" + text;
    }

    private void OnConsole(IConsoleMessage message)
    {
        var list = message.Type switch
        {
            // Chromium's own line for a failed request repeats what the failed requests already say.
            "error" when message.Text.StartsWith("Failed to load resource:", StringComparison.Ordinal) => null,
            "error" => _errors,
            "warning" => _warnings,
            _ => null,
        };
        if (list is not null)
        {
            Add(list, new PageMessage(Cut(message.Text), Place(message.Location)));
        }
    }

    // Kiln's error reporter wraps console.error, so the browser places every such call in the reporter: no help to anyone.
    private static string? Place(string location) =>
        string.IsNullOrEmpty(location) || location.Contains(ReporterScript, StringComparison.Ordinal) ? null : location;

    private void OnRequestFailed(IRequest request)
    {
        var reason = request.Failure ?? "failed";
        var blocked = reason.Contains("ERR_BLOCKED_BY_CLIENT", StringComparison.Ordinal) || reason.Contains("ERR_PROXY_CONNECTION_FAILED", StringComparison.Ordinal);
        Add(_failed, new FailedRequest(request.Method, Cut(request.Url), null, reason, blocked));
    }

    private void OnResponse(IResponse response)
    {
        // The page's own status is reported as such, not as a failed request.
        if (response.Status >= 400 && !(response.Request.IsNavigationRequest && response.Frame.ParentFrame is null))
        {
            Add(_failed, new FailedRequest(response.Request.Method, Cut(response.Url), response.Status, response.StatusText, Blocked: false));
        }
    }

    private void Add<T>(List<T> list, T entry)
    {
        lock (_lock)
        {
            if (list.Count < PageReport.MaxEntries)
            {
                list.Add(entry);
            }
            else
            {
                _left++;
            }
        }
    }

    private static string Cut(string text) => text.Length <= MaxTextChars ? text : string.Concat(text.AsSpan(0, MaxTextChars), "…");

    /// <summary>A regex for every URL whose origin is not <paramref name="page"/>'s (data: and blob: URLs are never routed).</summary>
    private static Regex OutsideOrigin(Uri page) => new($"^(?!{Regex.Escape(PageOrigin.Of(page))}/)", RegexOptions.None);
}
