namespace Kiln.Offline;

/// <summary>
/// An accent colour an app can be asked for ("make it green"). <see cref="Light"/> carries white text and reads on
/// white (WCAG AA, 4.5:1 or better); <see cref="Dark"/> is its lighter twin for the dark theme, which carries dark text.
/// </summary>
internal sealed record AccentColour(string Name, string Light, string Dark)
{
    /// <summary>Every colour word understood, as a regular expression alternation.</summary>
    public const string Names =
        "red|crimson|maroon|orange|amber|yellow|gold|brown|green|emerald|lime|mint|teal|cyan|turquoise|blue|navy|indigo|violet|purple|lavender|pink|magenta|rose|gray|grey|slate|black";

    public static readonly AccentColour Indigo = new("indigo", "#4f46e5", "#a5b4fc");
    public static readonly AccentColour Blue = new("blue", "#2563eb", "#93c5fd");
    public static readonly AccentColour Teal = new("teal", "#0f766e", "#5eead4");
    public static readonly AccentColour Green = new("green", "#15803d", "#86efac");
    public static readonly AccentColour Orange = new("orange", "#c2410c", "#fdba74");
    public static readonly AccentColour Red = new("red", "#dc2626", "#fca5a5");
    public static readonly AccentColour Purple = new("purple", "#7e22ce", "#d8b4fe");
    public static readonly AccentColour Pink = new("pink", "#be185d", "#f9a8d4");
    public static readonly AccentColour Slate = new("slate", "#334155", "#cbd5e1");

    /// <summary>The colour a word names ("green", "Navy"), or null.</summary>
    public static AccentColour? Find(string word) => word.ToLowerInvariant() switch
    {
        "red" or "crimson" => Red,
        "maroon" => new("maroon", "#9f1239", "#fda4af"),
        "orange" => Orange,
        "amber" or "yellow" or "gold" => new(word.ToLowerInvariant(), "#a16207", "#fde047"),
        "brown" => new("brown", "#92400e", "#e0b48a"),
        "green" => Green,
        "emerald" or "mint" => new(word.ToLowerInvariant(), "#047857", "#6ee7b7"),
        "lime" => new("lime", "#4d7c0f", "#bef264"),
        "teal" => Teal,
        "cyan" or "turquoise" => new(word.ToLowerInvariant(), "#0e7490", "#67e8f9"),
        "blue" => Blue,
        "navy" => new("navy", "#1e3a8a", "#93c5fd"),
        "indigo" => Indigo,
        "violet" or "lavender" => new(word.ToLowerInvariant(), "#6d28d9", "#c4b5fd"),
        "purple" => Purple,
        "pink" or "magenta" => new(word.ToLowerInvariant(), "#be185d", "#f9a8d4"),
        "rose" => new("rose", "#e11d48", "#fda4af"),
        "gray" or "grey" or "slate" => Slate,
        "black" => new("black", "#18181b", "#e4e4e7"),
        _ => null,
    };
}
