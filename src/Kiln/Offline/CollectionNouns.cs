namespace Kiln.Offline;

/// <summary>What the entries of a collection app are called, from its subject: "my houseplants" holds houseplants.</summary>
internal static class CollectionNouns
{
    public static (string Singular, string Plural) For(string subject)
    {
        var words = subject.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return ("entry", "entries");
        }
        // "recipe tracker", "workout log": the word before the container names what it holds.
        var word = words.Length > 1 && Containers.Contains(words[^1]) ? words[^2] : words[^1];
        word = Renamed.GetValueOrDefault(word, word);
        if (word.Length > 30 || !word.All(c => char.IsLetter(c) || c is '-' or '\''))
        {
            return ("entry", "entries");
        }
        if (IsPlural(word))
        {
            return (Singular(word), word);
        }
        return Containers.Contains(word) ? ("entry", "entries") : (word, Plural(word));
    }

    private static bool IsPlural(string word) =>
        word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal);

    private static string Singular(string word) =>
        word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "y"
        : word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal)
            || word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal) ? word[..^2]
        : word[..^1];

    private static string Plural(string word) =>
        word.EndsWith('y') && word.Length > 1 && !"aeiou".Contains(word[^2], StringComparison.Ordinal) ? word[..^1] + "ies"
        : word.EndsWith('s') || word.EndsWith('x') || word.EndsWith("ch", StringComparison.Ordinal) || word.EndsWith("sh", StringComparison.Ordinal) ? word + "es"
        : word + "s";

    private static readonly HashSet<string> Containers =
    [
        "tracker", "log", "list", "collection", "library", "manager", "organizer", "organiser", "catalog", "catalogue",
        "planner", "book", "box", "database", "inventory", "diary", "keeper", "board", "wishlist", "archive", "vault",
    ];

    private static readonly Dictionary<string, string> Renamed = new()
    {
        ["reading"] = "book", ["watch"] = "film", ["to-read"] = "book",
    };
}
