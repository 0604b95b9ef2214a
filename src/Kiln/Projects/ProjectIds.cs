using System.Buffers;
using System.Security.Cryptography;

namespace Kiln.Projects;

/// <summary>
/// Project ids: 12 characters of lowercase base32, so an id is unguessable (60 bits), safe in a path,
/// and valid as a DNS label for the preview origin <c>p-{id}.localhost</c>.
/// </summary>
public static class ProjectIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private static readonly SearchValues<char> AlphabetValues = SearchValues.Create(Alphabet);
    public const int Length = 12;

    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

    public static bool IsValid(string? id) =>
        id is { Length: Length } && id.AsSpan().IndexOfAnyExcept(AlphabetValues) < 0;
}
