using System.Text.RegularExpressions;

namespace Kiln.Offline;

/// <summary>The words that name each kind of app, and the phrasings that ask to switch an app to another kind.</summary>
internal static partial class KindVocabulary
{
    /// <summary>
    /// The phrases that name each kind, as one regular expression alternation with a named group per kind: the earliest
    /// phrase in the prompt wins, so "a todo app that counts tasks" is a todo list and "a counter for my todo items" is
    /// a counter.
    /// </summary>
    public const string Phrases =
        @"(?<Landing>landing(?:\s+page)?|home\s*page|marketing\s+(?:page|site)|splash\s+page|one[-\s]pager|portfolio|coming[-\s]soon\s+page|product\s+page)" +
        @"|(?<Todo>to-?dos?|to\s+do\s+(?:list|app)|task\s+(?:list|manager|tracker|board)|tasks?|check\s*list|grocery\s+list|shopping\s+list|packing\s+list|bucket\s+list|chores?|errands?|reminders?)" +
        @"|(?<Notes>notes?|note[-\s]taking|notepad|notebook|journal|diary|memos?|scratch\s*pad|jot(?:ting)?)" +
        @"|(?<Counter>counter|tally|clicker|score\s*keeper|scoreboard|count(?:s|ing)?\s+(?:clicks|taps|things|people|reps))" +
        @"|(?<Calculator>calculator|calc|arithmetic|adding\s+machine)" +
        @"|(?<Timer>timer|pomodoro|stop\s*watch|count\s*down)";

    [GeneratedRegex(@"\b(?:" + Phrases + @")\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex KindPhrase();

    // "Website", "site" and "page" alone only mean a landing page when nothing more specific is named:
    // "a web page for my notes" is a notes app, "a website for my bakery" is a landing page.
    [GeneratedRegex(@"\b(?:web\s*site|web\s*page|site|page)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeakLandingPhrase();

    [GeneratedRegex(
        @"\b(?:turn|convert|transform|switch|change)\b[^.!?\n]{0,40}?\b(?:into|to)\b" +
        @"|\binstead\b|\brather\s+than\b" +
        @"|\bmake\s+(?:it|this)\s+(?:into\s+)?an?\b" +
        @"|^\W*(?:please\s+)?(?:now\s+|actually\s+)?(?:build|create|make|generate|write|give\s+me|i\s+(?:want|need|would\s+like))\s+(?:me\s+)?(?:a|an)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SwitchIntent();

    /// <summary>The kind the text names; <see cref="OfflineAppKind.Default"/> when it names none.</summary>
    public static (OfflineAppKind Kind, bool Named) Find(string text)
    {
        if (FindPhrase(text) is { } named)
        {
            return (named.Kind, true);
        }
        return WeakLandingPhrase().IsMatch(text) ? (OfflineAppKind.Landing, false) : (OfflineAppKind.Default, false);
    }

    /// <summary>The first phrase in the text that plainly names a kind ("task list", "pomodoro"), if any.</summary>
    public static (OfflineAppKind Kind, string Phrase)? FindPhrase(string text)
    {
        var match = KindPhrase().Match(text);
        if (match.Success)
        {
            foreach (var kind in Enum.GetValues<OfflineAppKind>())
            {
                if (match.Groups.TryGetValue(kind.ToString(), out var group) && group.Success)
                {
                    return (kind, match.Value);
                }
            }
        }
        return null;
    }

    /// <summary>Whether a follow-up reads as a request to rebuild the app as another kind ("turn it into a …").</summary>
    public static bool AsksToSwitch(string text) => SwitchIntent().IsMatch(text);

    /// <summary>Whether the word is one of the kind's own words, so a title does not say it twice ("Notes Notes").</summary>
    public static bool IsKindWord(string word) =>
        KindPhrase().Match(word) is { Success: true } match && match.Length == word.Length;
}
