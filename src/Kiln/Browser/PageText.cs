using System.Globalization;
using System.Text.RegularExpressions;

namespace Kiln.Browser;

/// <summary>What Kiln's browser saw, as text a model or a person can act on.</summary>
public static partial class PageText
{
    /// <summary>
    /// What the browser said, made easy to act on: the app's own URLs become its paths (<c>/src/App.tsx:8:9</c>),
    /// Vite's cache-busting queries go, a stack keeps one frame of each run through <c>node_modules</c>, and console
    /// format directives (React logs <c>"%s\n\n%s"</c> and its text as arguments) go.
    /// </summary>
    public static string Readable(string text, string origin)
    {
        text = text.Replace(origin, "", StringComparison.OrdinalIgnoreCase);
        text = CacheBuster().Replace(text, "");
        text = FormatDirective().Replace(text, "").Trim();
        var lines = text.Split('\n');
        var kept = new List<string>(lines.Length);
        var folded = 0;
        foreach (var line in lines)
        {
            var library = LibraryFrame().IsMatch(line);
            if (library && kept.Count > 0 && LibraryFrame().IsMatch(kept[^1]))
            {
                folded++;
                continue;
            }

            Fold(kept, ref folded);
            kept.Add(line.TrimEnd());
        }

        Fold(kept, ref folded);
        return string.Join('\n', kept.Where((line, i) => line.Length > 0 || (i > 0 && kept[i - 1].Length > 0)));
    }

    /// <summary>A console message, with where it was logged when the browser knows.</summary>
    public static string Message(PageMessage message) =>
        message.Location is { } location ? $"{message.Text} (at {location})" : message.Text;

    private static void Fold(List<string> kept, ref int folded)
    {
        if (folded > 0)
        {
            kept.Add(string.Create(CultureInfo.InvariantCulture, $"    … {folded} more frame{(folded == 1 ? "" : "s")} in node_modules"));
            folded = 0;
        }
    }

    [GeneratedRegex(@"\?[tv]=[0-9a-zA-Z]+\b")]
    private static partial Regex CacheBuster();

    [GeneratedRegex("%[sdifoOc]")]
    private static partial Regex FormatDirective();

    [GeneratedRegex(@"^\s*at .*/node_modules/")]
    private static partial Regex LibraryFrame();
}
