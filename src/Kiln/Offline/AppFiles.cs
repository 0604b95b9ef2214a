using System.Text;

namespace Kiln.Offline;

/// <summary>A follow-up prompt as the app's Changes section shows it: the request, and what was done about it.</summary>
internal sealed record ChangeEntry(string Request, IReadOnlyList<string> Applied);

/// <summary>Another kind built beside an app's main one, under its own heading, keeping its data under its own key.</summary>
internal sealed record AppPart(OfflineAppKind Kind, string Heading, string StorageKey);

/// <summary>
/// Everything an app's files are made from. <c>Parts</c> are the kinds built beside <c>Kind</c> on the same page (Vite
/// apps only); usually none.
/// </summary>
internal sealed record AppSpec(
    OfflineAppKind Kind,
    string Title,
    PromptReading About,
    Customization Look,
    IReadOnlyList<ChangeEntry> Changes,
    string StorageKey,
    IReadOnlyList<AppPart> Parts);

/// <summary>Fills the templates for an app: index.html, styles.css and app.js.</summary>
internal static class AppFiles
{
    public static IReadOnlyList<OfflinePlannedFile> Build(AppSpec app)
    {
        var kind = app.Kind.ToString().ToLowerInvariant();
        var values = Values(app, kind);
        if (app.Kind == OfflineAppKind.Landing)
        {
            values["body"] = Template.Fill("landing.html", values);
        }
        else
        {
            values["content"] = Template.Fill($"{kind}.html", values);
            values["body"] = Template.Fill("shell.html", values);
        }
        return
        [
            new("index.html", Template.Fill("page.html", values)),
            new("styles.css", Template.Fill("tokens.css", values) + Template.Load("base.css") + Template.Load($"{kind}.css")),
            new("app.js", Template.Fill($"{kind}.js", values)),
        ];
    }

    /// <summary>The template values of an app, shared by its static and its Vite files.</summary>
    internal static Dictionary<string, string> Values(AppSpec app, string kind)
    {
        var (item, items) = CollectionNouns.For(app.About.Subject);
        var landing = app.Kind == OfflineAppKind.Landing
            ? LandingCopy.For(app.Title, app.About.Subject, app.About.Description, app.About.Text)
            : null;
        var accent = app.Look.Accent ?? landing?.Accent ?? DefaultAccent(app.Kind);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["title"] = app.Title,
            ["kind"] = kind,
            ["theme"] = app.Look.Dark ? "dark" : "light",
            ["accent"] = accent.Light,
            ["accentDark"] = accent.Dark,
            ["textScale"] = TextScales[app.Look.TextStep - Customization.MinTextStep],
            ["storageKey"] = app.StorageKey,
            ["item"] = item,
            ["items"] = items,
            ["anItem"] = $"{PromptText.Article(item)} {item}",
            ["counterLabel"] = app.About.SubjectWithoutKindWords is { Length: > 0 } counted ? PromptText.TitleCase(counted) : "Count",
            ["pageClass"] = app.Kind is OfflineAppKind.Notes or OfflineAppKind.Default || app.Parts.Any(part => part.Kind == OfflineAppKind.Notes)
                ? "page page-wide"
                : "page",
            ["icon"] = Template.Load($"icon-{kind}.svg"),
            ["note"] = NoteHtml(app.Look.Note),
            ["changes"] = ChangesHtml(app.Changes),
            ["footer"] = FooterHtml(app),
        };
        if (landing is { } copy)
        {
            values["tagline"] = app.Look.Tagline ?? copy.Tagline;
            values["eyebrow"] = copy.Eyebrow;
            values["primaryAction"] = copy.PrimaryAction;
            values["secondaryAction"] = copy.SecondaryAction;
            values["featuresHeading"] = copy.FeaturesHeading;
            for (var i = 0; i < copy.Features.Count; i++)
            {
                values[$"feature{i + 1}Heading"] = copy.Features[i].Heading;
                values[$"feature{i + 1}Text"] = copy.Features[i].Text;
            }
            values["signupHeading"] = copy.SignupHeading;
            values["signupText"] = copy.SignupText;
            values["initials"] = Initials(app.Title);
        }
        else
        {
            values["tagline"] = app.Look.Tagline ?? DefaultTagline(app.Kind, items);
        }
        values["description"] = values["tagline"];
        return values;
    }

    private static string DefaultTagline(OfflineAppKind kind, string items) => kind switch
    {
        OfflineAppKind.Todo => "Add what needs doing, tick it off when it's done.",
        OfflineAppKind.Notes => "Quick notes that save themselves as you type.",
        OfflineAppKind.Counter => "Tap to count. It remembers, even after you close the tab.",
        OfflineAppKind.Calculator => "Works with your keyboard too: type a sum and press Enter.",
        OfflineAppKind.Timer => "Focus in short sprints, then take a proper break.",
        _ => $"Keep track of your {items}: add them, star your favourites, find them fast.",
    };

    private static AccentColour DefaultAccent(OfflineAppKind kind) => kind switch
    {
        OfflineAppKind.Todo => AccentColour.Indigo,
        OfflineAppKind.Notes => AccentColour.Orange,
        OfflineAppKind.Counter => AccentColour.Teal,
        OfflineAppKind.Calculator => AccentColour.Blue,
        OfflineAppKind.Timer => AccentColour.Red,
        _ => AccentColour.Green,
    };

    // Indexed by Customization.TextStep - Customization.MinTextStep; written out so no culture can change a digit.
    private static readonly string[] TextScales = ["0.875", "0.9375", "1", "1.125", "1.25", "1.375"];

    private static string NoteHtml(string? note) =>
        note is null ? "" : $"""<aside class="note" aria-label="Note"><p>{Escape.Html(note)}</p></aside>""";

    private static string FooterHtml(AppSpec app) =>
        FooterText(app) is { } text ? $"""<footer class="site-footer"><p>{Escape.Html(text)}</p></footer>""" : "";

    /// <summary>The footer's words, or null for no footer.</summary>
    internal static string? FooterText(AppSpec app) => app.Look.FooterRequest switch
    {
        FooterRequest.Removed => null,
        FooterRequest.Added => app.Look.Footer ?? $"© {app.Title}",
        _ => app.Look.Footer ?? (app.Kind switch
        {
            OfflineAppKind.Landing => $"© {app.Title}",
            OfflineAppKind.Calculator or OfflineAppKind.Timer => "Works offline. Nothing leaves your device.",
            _ => "Saved in this browser only. Nothing leaves your device.",
        }),
    };

    private static string ChangesHtml(IReadOnlyList<ChangeEntry> changes)
    {
        if (changes.Count == 0)
        {
            return "";
        }
        var html = new StringBuilder()
            .Append("""<section class="changes" aria-labelledby="changes-title">""").Append('\n')
            .Append("""  <h2 id="changes-title">Changes</h2>""").Append('\n')
            .Append("""  <p class="changes-intro">Follow-up requests, oldest first. Kiln's offline model applies common ones (theme, colour, name, footer, note, text size); the rest are noted for Claude to build once ANTHROPIC_API_KEY is set.</p>""").Append('\n')
            .Append("""  <ol class="changes-list">""").Append('\n');
        foreach (var change in changes)
        {
            var outcome = change.Applied.Count > 0
                ? $"""<span class="tag tag-applied">Applied</span> {Escape.Html(string.Join(", ", change.Applied))}"""
                : """<span class="tag tag-noted">Noted</span> Not applied by the offline model""";
            html.Append("""    <li><q class="change-request">""").Append(Escape.Html(change.Request)).Append("</q>")
                .Append("""<span class="change-outcome">""").Append(outcome).Append("</span></li>\n");
        }
        return html.Append("  </ol>\n</section>").ToString();
    }

    private static string Initials(string title)
    {
        var letters = title.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.FirstOrDefault(char.IsLetterOrDigit))
            .Where(c => c != default)
            .Take(2)
            .Select(char.ToUpperInvariant);
        var initials = string.Concat(letters);
        return initials.Length > 0 ? initials : "★";
    }
}
