using System.Globalization;

namespace Kiln.Versions;

/// <summary>
/// How a person names a version in the API: its number ("3", as the list shows it) or its commit hash, whole or a
/// prefix of at least 7 hex digits. Anything else is refused before it could reach git.
/// </summary>
public static class VersionRef
{
    /// <summary>A version number has at most this many digits; a longer run of digits is read as a hash prefix.</summary>
    private const int MaxNumberDigits = 6;

    public const string Help = "Name a version by its number (1, 2, 3… as GET /api/projects/{id}/versions lists them) or its commit hash (7 to 40 hex digits).";

    /// <summary>True when <paramref name="text"/> has the shape of a version name.</summary>
    public static bool IsWellFormed(string? text) =>
        text is { Length: > 0 } && (IsNumber(text) || IsHash(text));

    /// <summary>The version <paramref name="text"/> names among <paramref name="versions"/>; null when none or several do.</summary>
    public static AppVersion? Find(IReadOnlyList<AppVersion> versions, string text)
    {
        if (IsNumber(text))
        {
            var number = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            return number >= 1 && number <= versions.Count ? versions[number - 1] : null;
        }

        var matches = versions.Where(v => v.Commit.StartsWith(text, StringComparison.OrdinalIgnoreCase)).Take(2).ToList();
        return matches is [var only] ? only : null;
    }

    private static bool IsNumber(string text) => text.Length <= MaxNumberDigits && text.All(char.IsAsciiDigit);

    private static bool IsHash(string text) => text.Length is >= 7 and <= 40 && text.All(char.IsAsciiHexDigit);
}
