using System.Globalization;
using System.Text;

namespace Kiln.Agents.Offline;

/// <summary>
/// The offline model's planner: turns a project's prompts into a small, working static app (index.html, styles.css,
/// app.js). Pure and deterministic: the same prompts always give byte-identical files.
/// </summary>
public static class OfflineAppPlanner
{
    public const string Credit = "Built by Kiln's offline model — set ANTHROPIC_API_KEY for Claude.";

    /// <param name="prompts">Every prompt of the project in order; the last is the newest (a follow-up when there are several).</param>
    public static OfflineAppPlan Plan(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0 || prompts.Any(prompt => prompt is null))
        {
            throw new ArgumentException("Planning needs at least one prompt, and no prompt may be null.", nameof(prompts));
        }

        var first = PromptReading.Read(prompts[0]);
        var kind = first.Kind;
        var about = first;
        var (look, _) = Customization.None.Apply(prompts[0]);
        var changes = new List<ChangeEntry>();
        foreach (var prompt in prompts.Skip(1))
        {
            var reading = PromptReading.Read(prompt);
            var applied = new List<string>();
            // The first prompt sets the kind; a follow-up changes it only when it plainly asks ("turn it into a calculator").
            if (reading.NamesKind && reading.AsksToSwitch && reading.Kind != kind)
            {
                kind = reading.Kind;
                about = reading.Subject.Length > 0 ? reading : about;
                applied.Add($"Rebuilt as {Describe(kind)}");
            }
            (look, var styled) = look.Apply(prompt);
            applied.AddRange(styled);
            changes.Add(new ChangeEntry(PromptText.Cap(PromptText.Clean(prompt), PromptText.MaxTextLength), applied));
        }

        var title = look.Title ?? about.TitleFor(kind);
        // Keyed by the app's first title, so renaming it later keeps its saved data.
        var storageKey = $"kiln.{kind.ToString().ToLowerInvariant()}.{StorageSlug(first.TitleFor(first.Kind))}";
        var files = AppFiles.Build(new AppSpec(kind, title, about, look, changes, storageKey));
        return new OfflineAppPlan(kind, title, files, Summary(kind, title, changes));
    }

    private static string Summary(OfflineAppKind kind, string title, List<ChangeEntry> changes)
    {
        if (changes.Count == 0)
        {
            return $"Built {title}, {Describe(kind)}, as plain HTML, CSS and JavaScript. {Credit}";
        }
        var latest = changes[^1];
        return latest.Applied.Count > 0
            ? $"Updated {title}: {string.Join(", ", latest.Applied)}. {Credit}"
            : $"Updated {title}: the offline model can't make that change, so it is noted in the app's Changes section. {Credit}";
    }

    private static string Describe(OfflineAppKind kind) => kind switch
    {
        OfflineAppKind.Todo => "a todo list that keeps its tasks in the browser",
        OfflineAppKind.Counter => "a counter that remembers its count in the browser",
        OfflineAppKind.Notes => "a notes app that saves as you type",
        OfflineAppKind.Calculator => "a calculator you can drive from the keyboard",
        OfflineAppKind.Landing => "a one-page landing site",
        OfflineAppKind.Timer => "a focus timer with work and break modes",
        _ => "a searchable collection saved in the browser",
    };

    // Lower-case ASCII letters and digits joined by dashes; a title with none ("日記") gets a stable hash instead.
    private static string StorageSlug(string title)
    {
        var slug = new StringBuilder();
        foreach (var c in title.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        var text = slug.ToString().Trim('-');
        if (text.Length > 0)
        {
            return text.Length > 40 ? text[..40].TrimEnd('-') : text;
        }
        var hash = 2166136261u;
        foreach (var c in title)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }
}
