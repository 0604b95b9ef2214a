using Kiln.Events;

namespace Kiln.Versions;

/// <summary>
/// One version of an app: a commit in its repository. <see cref="Number"/> counts from 1 in the order versions were
/// made, and is what a person calls it ("version 3"); <see cref="Commit"/> is its hash. Both name it in the API.
/// </summary>
/// <param name="Number">1 for the first version, then 2, 3…; history only grows, so a number never changes.</param>
/// <param name="Commit">The full commit hash.</param>
/// <param name="Prompt">The prompt whose generation made it, or "Restore version N" for a restore.</param>
/// <param name="At">When it was made.</param>
/// <param name="Outcome">How that generation ended, or <c>restored</c>.</param>
/// <param name="RestoredFrom">For a restore, the number of the version it brought back.</param>
/// <param name="FilesChanged">Files added, changed or removed since the version before.</param>
/// <param name="Insertions">Lines added since the version before (binary files count none).</param>
/// <param name="Deletions">Lines removed since the version before.</param>
/// <param name="FirstEvent">The first event <c>seq</c> of the work that made it, if any.</param>
/// <param name="LastEvent">The last event <c>seq</c> of the work that made it, if any.</param>
/// <param name="Author">Kiln, or <c>you</c> for a version of the person's hand edits.</param>
public sealed record AppVersion(
    int Number,
    string Commit,
    string Prompt,
    DateTimeOffset At,
    VersionOutcome Outcome,
    int? RestoredFrom,
    int FilesChanged,
    int Insertions,
    int Deletions,
    long? FirstEvent,
    long? LastEvent,
    VersionAuthor Author = VersionAuthor.Kiln)
{
    public string ShortCommit => Commit[..12];
}
