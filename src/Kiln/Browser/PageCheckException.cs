namespace Kiln.Browser;

/// <summary>
/// A check of a page could not be made: no browser, or the page did not finish within the check's time. The message
/// says what to do, in words a model can act on; the tools turn it into an error result.
/// </summary>
public sealed class PageCheckException(string message, Exception? inner = null) : Exception(message, inner);
