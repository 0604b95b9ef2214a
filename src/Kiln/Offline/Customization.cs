using System.Text.RegularExpressions;

namespace Kiln.Offline;

/// <summary>What the prompts said about the footer.</summary>
internal enum FooterRequest { None, Added, Removed }

/// <summary>
/// The changes to an app's look and words that prompts ask for: theme, accent colour, name, tagline, footer, note
/// and text size. Each prompt is applied in order on top of the last, so a later request wins.
/// </summary>
internal sealed partial record Customization
{
    public static readonly Customization None = new();

    public bool Dark { get; init; }
    public AccentColour? Accent { get; init; }

    /// <summary>Steps of text size from the default, between <see cref="MinTextStep"/> and <see cref="MaxTextStep"/>.</summary>
    public int TextStep { get; init; }

    public string? Title { get; init; }
    public string? Tagline { get; init; }

    public FooterRequest FooterRequest { get; init; }

    /// <summary>The footer's words, when a prompt gave them.</summary>
    public string? Footer { get; init; }
    public string? Note { get; init; }

    public const int MinTextStep = -2;
    public const int MaxTextStep = 3;

    /// <summary>This customization with the prompt's requests applied, and a short label for each request applied.</summary>
    public (Customization Result, IReadOnlyList<string> Applied) Apply(string prompt)
    {
        var text = PromptText.Clean(prompt);
        var intent = PromptText.WithoutFreeText(text);
        var applied = new List<string>();
        var result = this;

        if (Theme(intent) is { } dark)
        {
            result = result with { Dark = dark };
            applied.Add(dark ? "Dark theme" : "Light theme");
        }
        if (Colour(intent) is { } accent)
        {
            result = result with { Accent = accent };
            applied.Add($"{PromptText.TitleCase(accent.Name)} accent");
        }
        var steps = BiggerText().Count(intent) - SmallerText().Count(intent);
        if (steps != 0)
        {
            result = result with { TextStep = Math.Clamp(result.TextStep + steps, MinTextStep, MaxTextStep) };
            applied.Add(steps > 0 ? "Larger text" : "Smaller text");
        }
        if (PromptText.FindName(text) is { } title)
        {
            result = result with { Title = title };
            applied.Add($"Renamed to “{title}”");
        }
        if (PromptText.FindTagline(text) is { } tagline)
        {
            result = result with { Tagline = tagline };
            applied.Add($"Tagline “{tagline}”");
        }
        if (PromptText.AsksToRemoveFooter(text))
        {
            result = result with { FooterRequest = FooterRequest.Removed, Footer = null };
            applied.Add("Footer removed");
        }
        else if (PromptText.FindFooter(text) is { Asked: true } footer)
        {
            result = result with { FooterRequest = FooterRequest.Added, Footer = footer.Text ?? result.Footer };
            applied.Add(footer.Text is null ? "Footer added" : $"Footer “{footer.Text}”");
        }
        if (PromptText.FindNote(text) is { } note)
        {
            result = result with { Note = note };
            applied.Add($"Note “{note}”");
        }
        return (result, applied);
    }

    // The later of a dark and a light request wins: "no dark mode, keep it light" is light.
    private static bool? Theme(string text)
    {
        var dark = LastPosition(DarkRequest().Matches(text), ignoreCapitalisedDark: true);
        // "no dark mode" also contains "dark mode": a negation counts from its end, so it comes after what it negates.
        var light = Math.Max(LastPosition(LightRequest().Matches(text)), LastPosition(NotDarkRequest().Matches(text), fromEnd: true));
        return (dark, light) switch
        {
            (< 0, < 0) => null,
            _ => dark > light,
        };
    }

    // A colour word names the accent when written in lower case, or capitalised only because it starts a sentence:
    // "Green Leaf Café" is a name, "make it green" is a colour.
    private static AccentColour? Colour(string text)
    {
        AccentColour? found = null;
        foreach (Match match in ColourWord().Matches(text))
        {
            var before = text[..match.Index].TrimEnd();
            var startsSentence = before.Length == 0 || before[^1] is '.' or '!' or '?' or ':' or ';' or '\n';
            if (char.IsLower(match.Value[0]) || startsSentence)
            {
                found = AccentColour.Find(match.Value) ?? found;
            }
        }
        return found;
    }

    private static int LastPosition(MatchCollection matches, bool ignoreCapitalisedDark = false, bool fromEnd = false)
    {
        var last = -1;
        foreach (Match match in matches)
        {
            // "Dark Horse Coffee" is a name; "dark", "Dark mode" and "darker" are requests.
            if (!ignoreCapitalisedDark || !match.Value.Equals("Dark", StringComparison.Ordinal))
            {
                last = fromEnd ? match.Index + match.Length : match.Index;
            }
        }
        return last;
    }

    // Bare "dark" only counts where it plainly describes the app ("make it dark", "a dark counter app", just "dark"), so
    // "add dark chocolate to the list" is not a theme request.
    [GeneratedRegex(
        @"\bdark(?:er)?\s*(?:mode|theme|colou?rs?|background|ui|look|version|style)\b|\bdarker\b|\bnight\s*mode\b|\bdim\s+(?:mode|theme)\b" +
        @"|\b(?:make|turn|go|switch|set|change)\s+(?:it|this|everything|the\s+(?:app|page|site|background|whole\s+thing))?\s*(?:to\s+|into\s+)?(?:a\s+)?(?:bit\s+|little\s+|lot\s+)?dark\b" +
        @"|\ban?\s+dark\b|^\W*dark\W*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DarkRequest();

    [GeneratedRegex(@"\b(?:light\s*(?:mode|theme|background|colou?rs?|version)|lighter|day\s*mode|bright(?:er)?\s+(?:theme|mode)|make\s+it\s+(?:light|bright|white))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LightRequest();

    [GeneratedRegex(@"\b(?:no|not|without|remove|disable|turn\s+off|drop|get\s+rid\s+of|undo)\s+(?:the\s+)?dark\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NotDarkRequest();

    [GeneratedRegex(@"\b(?:" + AccentColour.Names + @")\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ColourWord();

    private const string TextNoun = @"(?:text|fonts?|font\s*size|type|typography|letters|writing)";

    // "make everything bigger" and "make it bigger" count too, but only with the noun first: "make the logo bigger so it
    // pops" is not about text.
    [GeneratedRegex(@"\b(?:bigger|larger|increase|enlarge|bump\s+up)\b[^.!?\n]{0,25}?\b" + TextNoun + @"\b|\b(?:" + TextNoun + @"|everything|it)" +
        @"\s+(?:size\s+)?(?:a\s+(?:bit|little|lot)\s+|much\s+|even\s+)?(?:bigger|larger)\b|\bzoom\s+in\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BiggerText();

    [GeneratedRegex(@"\b(?:smaller|tinier|decrease|reduce|shrink)\b[^.!?\n]{0,25}?\b" + TextNoun + @"\b|\b(?:" + TextNoun + @"|everything|it)" +
        @"\s+(?:size\s+)?(?:a\s+(?:bit|little|lot)\s+|much\s+|even\s+)?(?:smaller|tinier)\b|\bzoom\s+out\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SmallerText();
}
