namespace Kiln.Browser;

/// <summary>
/// What Kiln's browser saw of one page: the main document's HTTP status (null when it did not answer), its title,
/// what it logged and threw, the requests that failed (each list capped; <c>Omitted</c> counts the entries past the caps),
/// whether its network went quiet before the screenshot (<c>Settled</c>), and a PNG screenshot of the viewport.
/// </summary>
public sealed record PageReport(
    Uri Url,
    int Width,
    int Height,
    int? Status,
    string? NavigationError,
    string Title,
    IReadOnlyList<PageMessage> ConsoleErrors,
    IReadOnlyList<PageMessage> ConsoleWarnings,
    IReadOnlyList<string> Exceptions,
    IReadOnlyList<FailedRequest> FailedRequests,
    int Omitted,
    bool Settled,
    byte[] Screenshot,
    TimeSpan Duration)
{
    /// <summary>Most entries kept per list (errors, warnings, exceptions, failed requests); the rest are only counted.</summary>
    public const int MaxEntries = 20;

    /// <summary>Errors of the app: uncaught exceptions, console errors and failed requests, and a page that did not load.</summary>
    public int ErrorCount => Exceptions.Count + ConsoleErrors.Count + FailedRequests.Count + (NavigationError is null ? 0 : 1);
}

/// <summary>A console message, with where it was logged (<c>url:line:column</c>) when the browser knows.</summary>
public sealed record PageMessage(string Text, string? Location);

/// <summary>
/// A request the page made that failed: <c>Status</c> when the server answered 400 or more, else the browser's
/// reason (<c>net::ERR_…</c>). <c>Blocked</c> when Kiln's browser refused it for leaving the app's origin.
/// </summary>
public sealed record FailedRequest(string Method, string Url, int? Status, string? Reason, bool Blocked);
