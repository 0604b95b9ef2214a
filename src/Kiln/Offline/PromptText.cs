using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Kiln.Offline;

/// <summary>
/// Small helpers for reading prompts: cleaning hostile text, casing titles, and finding the pieces of free
/// text a prompt quotes (a name, a footer, a note, a tagline) so the rest can be read for intent.
/// </summary>
internal static partial class PromptText
{
    public const int MaxPromptLength = 600;
    public const int MaxTitleLength = 60;
    public const int MaxTextLength = 140;

    /// <summary>
    /// Printable text only: control and invisible formatting characters (bidi overrides, zero-width spaces) go,
    /// lone surrogates become U+FFFD, newlines stay as sentence breaks, other whitespace runs become one space.
    /// </summary>
    public static string Clean(string text, int maxLength = MaxPromptLength)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 2));
        for (var i = 0; i < text.Length && builder.Length < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append('\uFFFD');
            }
            else if (c is '\n' or '\r')
            {
                AppendBreak(builder);
            }
            else if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                AppendSpace(builder);
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format || c == '\u200D')
            {
                // U+200D (zero-width joiner) holds emoji sequences together; other formatting characters can hide or
                // reorder text, so they go.
                builder.Append(c);
            }
        }
        return builder.ToString().Trim();
    }

    private static void AppendSpace(StringBuilder builder)
    {
        if (builder.Length > 0 && builder[^1] is not (' ' or '\n'))
        {
            builder.Append(' ');
        }
    }

    private static void AppendBreak(StringBuilder builder)
    {
        if (builder.Length > 0 && builder[^1] == ' ')
        {
            builder.Length--;
        }
        if (builder.Length > 0 && builder[^1] != '\n')
        {
            builder.Append('\n');
        }
    }

    /// <summary>One line of at most <paramref name="maxLength"/> characters, cut at a word with an ellipsis.</summary>
    public static string Cap(string text, int maxLength)
    {
        text = text.Replace('\n', ' ').Trim();
        if (text.Length <= maxLength)
        {
            return text;
        }
        var cut = text.LastIndexOf(' ', maxLength - 1);
        if (cut < maxLength / 2)
        {
            cut = maxLength - 1;
        }
        if (char.IsLowSurrogate(text[cut]))
        {
            cut--;
        }
        return text[..cut].TrimEnd(' ', ',', ';', ':', '-', '.') + "…";
    }

    /// <summary>Capitalises each word, leaving words that already carry capitals ("iPhone", "NASA") alone.</summary>
    public static string TitleCase(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i];
            if (word.Any(char.IsUpper) || (i > 0 && MinorWords.Contains(word)))
            {
                continue;
            }
            var first = word.IndexOf(word.FirstOrDefault(char.IsLetter));
            if (first >= 0)
            {
                words[i] = string.Concat(word.AsSpan(0, first), char.ToUpperInvariant(word[first]).ToString(), word.AsSpan(first + 1));
            }
        }
        return string.Join(' ', words);
    }

    /// <summary>"a" or "an" for a noun, by its first letter (good enough for the nouns Kiln uses: "an entry", "a houseplant").</summary>
    public static string Article(string noun, bool capital = false)
    {
        var article = noun.Length > 0 && "aeiouAEIOU".Contains(noun[0], StringComparison.Ordinal) ? "an" : "a";
        return capital ? "A" + article[1..] : article;
    }

    /// <summary>A list as a sentence says it: "a", "a and b", "a, b and c".</summary>
    public static string JoinAnd(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} and {list[^1]}";
    }

    private static readonly HashSet<string> MinorWords =
        ["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "&"];

    /// <summary>Drops the quotes and trailing punctuation around a captured piece of text.</summary>
    public static string Unquote(string text) =>
        text.Trim().Trim('"', '\'', '“', '”', '‘', '’', '«', '»', '`').TrimEnd('.', ',', ';', ':', '!').Trim();

    // A value is either quoted ("…", “…”, «…») or runs to where the sentence or clause plainly ends.
    private const string Quoted = """["“«](?<q>[^"“”«»\n]{1,600})["”»]""";
    private const string NameEnd =
        @"(?=\s*(?:[,;!?\n]|\.(?:\s|$)|$)|\s+(?:with|that|which|who|where|using|and|but|please|so|for\s+(?:my|our|the|a|an)|in\s+(?:dark|light)|to\s+(?:track|keep|manage|help|store|log|count|plan))\b)";
    private const string SentenceEnd = @"(?=\s*(?:[!?]|\.(?:\s|$)|\n|$))";

    private const string NameLead =
        @"\b(?:called|named|titled|entitled" +
        @"|(?:call|name|title|rename|retitle)\s+(?:it|this|the\s+(?:app|page|site))(?:\s+(?:to|as))?" +
        @"|re-?name\s+(?:to|as)|rename" +
        @"|change\s+(?:the\s+|its\s+)?(?:title|name|heading)\s+to" +
        @"|(?:set\s+)?the\s+(?:title|name|heading)\s+(?:to|should\s+be)" +
        @"|^\s*title\b\s*[:=]?|^\s*name\s*[:=])";

    [GeneratedRegex(NameLead + @"\s*(?:" + Quoted + @"|(?<u>[^\s\n][^\n]{0,599}?)" + NameEnd + ")",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex NameRequest();

    [GeneratedRegex(@"\bfooter\b(?:\s*(?:(?:that\s+says|which\s+says|saying|says|reading|with(?:\s+the)?\s+(?:text|words?|line)|with|of|to)\s*[:=]?|[:=])\s*(?:" +
        Quoted + @"|(?<u>[^\s\n][^\n]{0,599}?)" + SentenceEnd + "))?",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FooterRequest();

    [GeneratedRegex(@"\b(?:(?:add|put|show|include|display|with)\s+(?:a|an|the|some)?\s*(?:short\s+|small\s+)?(?:note|notice|message|banner|announcement|callout|text|line|sentence)\s*(?:that\s+says|which\s+says|saying|says|reading|with\s+the\s+text|[:=])|(?:note|notice|banner|announcement)\s*[:=])\s*(?:" +
        Quoted + @"|(?<u>[^\s\n][^\n]{0,599}?)" + SentenceEnd + ")",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NoteRequest();

    [GeneratedRegex(@"\b(?:tagline|subtitle|slogan|sub-?heading|strapline)\s*(?:to|should\s+be|saying|that\s+says|[:=])\s*(?:" +
        Quoted + @"|(?<u>[^\s\n][^\n]{0,599}?)" + SentenceEnd + ")",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TaglineRequest();

    [GeneratedRegex(@"\b(?:remove|delete|hide|drop|get\s+rid\s+of|no)\s+(?:the\s+)?footer\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NoFooterRequest();

    /// <summary>The name the prompt gives the app ("called X", "rename it to X", "title: X"), if any.</summary>
    public static string? FindName(string text) => Value(NameRequest().Match(text), MaxTitleLength);

    /// <summary>Whether the prompt asks for a footer, and the footer's words when it gives them.</summary>
    public static (bool Asked, string? Text) FindFooter(string text)
    {
        var match = FooterRequest().Match(text);
        return (match.Success, Sentence(match, text, MaxTextLength));
    }

    /// <summary>Whether the prompt asks to remove the footer.</summary>
    public static bool AsksToRemoveFooter(string text) => NoFooterRequest().IsMatch(text);

    /// <summary>The words of a note or banner the prompt asks to show, if any.</summary>
    public static string? FindNote(string text) => Sentence(NoteRequest().Match(text), text, MaxTextLength);

    /// <summary>The tagline or subtitle the prompt asks for, if any.</summary>
    public static string? FindTagline(string text) => Value(TaglineRequest().Match(text), MaxTextLength);

    /// <summary>The prompt with the quoted free text removed, so words inside a footer or a new name are not read as intent.</summary>
    public static string WithoutFreeText(string text)
    {
        foreach (var request in (Regex[])[NameRequest(), FooterRequest(), NoteRequest(), TaglineRequest()])
        {
            text = request.Replace(text, " ; ");
        }
        return text;
    }

    private static string? Value(Match match, int maxLength)
    {
        if (!match.Success)
        {
            return null;
        }
        var value = match.Groups["q"].Success ? match.Groups["q"].Value : Unquote(match.Groups["u"].Value);
        return value.Length == 0 ? null : Cap(value, maxLength);
    }

    // A note or footer keeps the "!" or "?" that ended its sentence; a full stop is dropped like a name's.
    private static string? Sentence(Match match, string text, int maxLength)
    {
        var value = Value(match, maxLength);
        var end = match.Index + match.Length;
        return value is not null && match.Groups["u"].Success && end < text.Length && text[end] is '!' or '?' && !value.EndsWith('…')
            ? value + text[end]
            : value;
    }
}
