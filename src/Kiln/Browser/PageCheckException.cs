namespace Kiln.Browser;

/// <summary>
/// A check of a page could not be made: no browser, or the page did not finish within the check's time. The message
/// says what to do, in words a model can act on; the tools turn it into an error result. <see cref="Failure"/> says
/// whose fault it was: the page's (it never finished) or Kiln's browser's.
/// </summary>
public sealed class PageCheckException(string message, PageCheckFailure failure, Exception? inner = null) : Exception(message, inner)
{
    public PageCheckFailure Failure { get; } = failure;
}

/// <summary>Why a page check could not be made.</summary>
public enum PageCheckFailure
{
    /// <summary>There is no Chromium, or it did not start.</summary>
    NoBrowser,

    /// <summary>The page did not finish within the check's time: an endless loop or a request that never ends.</summary>
    TimedOut,

    /// <summary>The browser failed under the check (the page crashed it, or it died).</summary>
    BrowserFailed,
}
