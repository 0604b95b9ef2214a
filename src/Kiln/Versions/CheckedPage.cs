namespace Kiln.Versions;

/// <summary>
/// A page of the app as Kiln's browser saw it: its path (with query and fragment) on the preview origin, the window
/// width, what went wrong (empty when it rendered without errors), who checked it, when, and its PNG screenshot (null
/// when the check ended without one).
/// </summary>
public sealed record CheckedPage(string Path, int Width, IReadOnlyList<string> Errors, PageCheckedBy CheckedBy, DateTimeOffset At, byte[]? Screenshot)
{
    /// <summary>It loaded, answered below 400, threw nothing and logged no error.</summary>
    public bool Rendered => Errors.Count == 0;
}
