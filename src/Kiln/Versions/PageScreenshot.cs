namespace Kiln.Versions;

/// <summary>
/// One page of the app as it was seen in one version (<c>GET /api/projects/{id}/versions/{v}/screenshots</c>).
/// </summary>
/// <param name="Path">The page's path on the app's preview origin, such as <c>/about</c>.</param>
/// <param name="Version">The version it was seen in.</param>
/// <param name="Width">The browser window's width in CSS pixels (its height is 800).</param>
/// <param name="Rendered">It loaded, answered below 400, threw nothing and logged no error.</param>
/// <param name="Errors">What went wrong when it did not render; empty when it did.</param>
/// <param name="CheckedBy">The agent (<c>check_app</c>) or Kiln (its re-check when the generation ended).</param>
/// <param name="At">When it was checked.</param>
/// <param name="HasScreenshot">Whether a PNG was kept (a page that never finished loading has none).</param>
/// <param name="Before">
/// The latest earlier version in which the same path rendered without errors and has a screenshot: what to compare this
/// one with. Null when there is none.
/// </param>
public sealed record PageScreenshot(
    string Path,
    int Version,
    int Width,
    bool Rendered,
    IReadOnlyList<string> Errors,
    PageCheckedBy CheckedBy,
    DateTimeOffset At,
    bool HasScreenshot,
    int? Before);
