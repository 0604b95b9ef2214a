using System.Globalization;
using Kiln.Offline;

namespace Kiln.Tests.Offline;

public sealed class AccentColourTests
{
    public static TheoryData<string> ColourWords => [.. AccentColour.Names.Split('|')];

    [Theory]
    [MemberData(nameof(ColourWords))]
    public void Every_accent_meets_wcag_aa_contrast_in_both_themes(string word)
    {
        var colour = AccentColour.Find(word);
        Assert.NotNull(colour);
        // Light theme: white text on the accent, and the accent as text on a white card.
        Assert.True(Contrast(colour.Light, "#ffffff") >= 4.5, $"{word} {colour.Light} on white: {Contrast(colour.Light, "#ffffff"):0.00}");
        // Dark theme: dark text on the lighter accent, and the accent as text on the dark card.
        Assert.True(Contrast(colour.Dark, "#0b1120") >= 4.5, $"{word} {colour.Dark} with #0b1120: {Contrast(colour.Dark, "#0b1120"):0.00}");
        Assert.True(Contrast(colour.Dark, "#121a2b") >= 4.5, $"{word} {colour.Dark} on #121a2b: {Contrast(colour.Dark, "#121a2b"):0.00}");
    }

    [Theory]
    [InlineData("#4b5563", "#ffffff")] // muted text on a light card
    [InlineData("#4b5563", "#f1f4f9")] // muted text on a light inset
    [InlineData("#a3aec2", "#121a2b")] // muted text on a dark card
    [InlineData("#a3aec2", "#1a2437")] // muted text on a dark inset
    [InlineData("#b91c1c", "#ffffff")] // danger text, light
    [InlineData("#fca5a5", "#121a2b")] // danger text, dark
    public void Base_text_colours_meet_wcag_aa_contrast(string text, string background)
    {
        Assert.True(Contrast(text, background) >= 4.5, $"{text} on {background}: {Contrast(text, background):0.00}");
        Assert.Contains(text, Template.Load("base.css"), StringComparison.Ordinal);
    }

    private static double Contrast(string a, string b)
    {
        var (x, y) = (Luminance(a), Luminance(b));
        return (Math.Max(x, y) + 0.05) / (Math.Min(x, y) + 0.05);
    }

    private static double Luminance(string hex)
    {
        double Channel(int offset)
        {
            var value = int.Parse(hex.AsSpan(offset, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return value <= 0.03928 ? value / 12.92 : Math.Pow((value + 0.055) / 1.055, 2.4);
        }
        return (0.2126 * Channel(1)) + (0.7152 * Channel(3)) + (0.0722 * Channel(5));
    }
}
