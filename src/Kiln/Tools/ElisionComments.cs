using System.Text.RegularExpressions;

namespace Kiln.Tools;

/// <summary>
/// Finds the comments a model writes instead of code it did not want to repeat ("// ... existing code ...",
/// "&lt;!-- rest unchanged --&gt;"). A <c>write_file</c> that carries one over an existing file would replace the
/// code it stands for with the comment, so such a write is refused. Only comments are read: a spread
/// (<c>...args</c>) or an ellipsis in a string is code, not a placeholder.
/// </summary>
public static partial class ElisionComments
{
    private const int MaxCommentLength = 120;

    /// <summary>The placeholder comments in <paramref name="content"/>, trimmed, in order.</summary>
    public static IReadOnlyList<string> Find(string content)
    {
        var found = new List<string>();
        foreach (var line in content.Split('\n'))
        {
            foreach (var comment in CommentsOf(line))
            {
                if (IsPlaceholder(comment.Body))
                {
                    found.Add(comment.Text.Trim());
                }
            }
        }

        return found;
    }

    /// <summary>True when a comment's text (without its delimiters) stands in for omitted code.</summary>
    public static bool IsPlaceholder(string body)
    {
        var text = Normalise(body);
        if (text.Length == 0 || text.Length > MaxCommentLength)
        {
            return false;
        }

        return OnlyEllipsis().IsMatch(text)
            || RestOf().IsMatch(text)
            || ExistingShape().IsMatch(text) && ExistingCounts().IsMatch(text)
            || StaysTheSame().IsMatch(text) && AboutCode().IsMatch(text)
            || Omitted().IsMatch(text)
            || Unchanged().IsMatch(text);
    }

    private static string Normalise(string body)
    {
        var text = body.Replace("…", "...", StringComparison.Ordinal).Trim().ToLowerInvariant();
        // Brackets and trailing punctuation carry no meaning here: "[... previous code ...]", "(unchanged)".
        text = text.Trim('[', ']', '(', ')', '{', '}', ' ', '\t', '*', '-', ':', ';', ',', '!');
        return Whitespace().Replace(text, " ");
    }

    private readonly record struct Comment(string Text, string Body);

    // Line comments (//, #), block comments on one line (/* */, <!-- -->, {/* */}). A "//" after a colon is a URL,
    // and one after an odd number of quotes is inside a string.
    private static IEnumerable<Comment> CommentsOf(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith('#') && !trimmed.StartsWith("#!", StringComparison.Ordinal))
        {
            yield return new Comment(trimmed, trimmed.TrimStart('#'));
        }

        foreach (Match match in BlockComment().Matches(line))
        {
            if (!InsideString(line, match.Index))
            {
                yield return new Comment(match.Value, match.Groups["body"].Value);
            }
        }

        for (var index = line.IndexOf("//", StringComparison.Ordinal); index >= 0; index = line.IndexOf("//", index + 2, StringComparison.Ordinal))
        {
            if ((index > 0 && line[index - 1] == ':') || InsideString(line, index) || InsideBlockComment(line, index))
            {
                continue;
            }

            yield return new Comment(line[index..], line[(index + 2)..]);
            break;
        }
    }

    private static bool InsideString(string line, int index)
    {
        int doubles = 0, singles = 0, backticks = 0;
        for (var i = 0; i < index; i++)
        {
            if (line[i] == '\\')
            {
                i++;
                continue;
            }

            switch (line[i])
            {
                case '"' when singles % 2 == 0 && backticks % 2 == 0:
                    doubles++;
                    break;
                case '\'' when doubles % 2 == 0 && backticks % 2 == 0:
                    singles++;
                    break;
                case '`' when doubles % 2 == 0 && singles % 2 == 0:
                    backticks++;
                    break;
            }
        }

        return doubles % 2 == 1 || singles % 2 == 1 || backticks % 2 == 1;
    }

    private static bool InsideBlockComment(string line, int index)
    {
        var open = line.LastIndexOf("/*", index, StringComparison.Ordinal);
        return open >= 0 && line.IndexOf("*/", open, StringComparison.Ordinal) is var close && (close < 0 || close > index);
    }

    [GeneratedRegex(@"/\*(?<body>.*?)\*/|<!--(?<body>.*?)-->")]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // "...", ". . .", "... etc", "...and so on"
    [GeneratedRegex(@"^(\.\s*){2,}(etc\.?|and so on|more)?(\s*\.)*$")]
    private static partial Regex OnlyEllipsis();

    // "rest of the code", "... rest of the component remains the same", "rest of file", "remaining styles here"
    [GeneratedRegex(@"^(\.{2,}\s*)?(the\s+)?(rest|remainder)(\s+of(\s+the)?(\s+[\w.-]+){1,2})?(\s+(remains?|stays?|is|are|goes|go|unchanged|the|same|as|before|is|here|omitted|\.{2,}))*\s*\.*$")]
    private static partial Regex RestOf();

    // "existing code", "... previous implementation ...", "other methods unchanged", "keep existing styles"
    [GeneratedRegex(@"^(\.{2,}\s*)?(keep\s+)?(the\s+)?(existing|previous|original|other|remaining|old|same)\s+([\w-]+\s+)?(code|content|contents|implementation|logic|markup|html|css|styles|functions|methods|imports|components|routes|handlers|props|state|properties|fields|rules|sections|elements|tests|code\s+here)?(\s*(remains?|stays?|is|are|goes|unchanged|the same|as before|as is|here|omitted|\.{2,}))*\s*\.*$")]
    private static partial Regex ExistingShape();

    // The shape alone matches "other routes" or "same code"; it counts only with an ellipsis, a word saying the
    // code stays, or a noun that is code itself ("existing code").
    [GeneratedRegex(@"(\.{2,}|\b(unchanged|the same|as before|as is|here|omitted|remains?|stays?)\b|\b(existing|previous|original)\s+(code|implementation|content|logic|markup|styles|functions|methods|imports)\s*$)")]
    private static partial Regex ExistingCounts();

    [GeneratedRegex(@"\b(remains?|stays?|is|are|left|kept)\s+(the\s+same|unchanged|as\s+(is|before)|intact)\b")]
    private static partial Regex StaysTheSame();

    [GeneratedRegex(@"\b(code|rest|file|content|contents|implementation|everything|styles|logic|markup|existing|previous|above|below|methods|functions|component|components|class|remainder|remaining|other)\b")]
    private static partial Regex AboutCode();

    // "omitted for brevity", "code truncated", "implementation elided", "snip"
    [GeneratedRegex(@"(\bfor\s+brevity\b|\b(code|content|implementation|rest|details|lines)\s+(omitted|truncated|elided|snipped)\b|^(omitted|truncated|elided|snip(ped)?)\s*(\.{2,})?$|^\.{2,}\s*(omitted|truncated|elided|snip))")]
    private static partial Regex Omitted();

    // A whole comment that only says nothing changed: "(unchanged)", "same as before", "no changes".
    [GeneratedRegex(@"^(\.{2,}\s*)?(unchanged|same as before|as before|no changes?( here)?|nothing changed)(\s*\.{2,})?\.?$")]
    private static partial Regex Unchanged();
}
