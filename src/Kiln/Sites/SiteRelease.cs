namespace Kiln.Sites;

/// <summary>
/// One published release of a project's app: the files a build (or the static app) produced, stored once and never
/// changed. <see cref="Number"/> counts from 1; <see cref="Version"/> is the app's version it was built from.
/// </summary>
/// <param name="Number">1 for the first release, then 2, 3…</param>
/// <param name="Version">The number of the app's latest version when it was built; null when the app had none yet.</param>
/// <param name="At">When it was published.</param>
/// <param name="Files">How many files it serves.</param>
/// <param name="Bytes">Their total size.</param>
/// <param name="Active">True for the release the site serves now.</param>
public sealed record SiteRelease(int Number, int? Version, DateTimeOffset At, int Files, long Bytes, bool Active);
