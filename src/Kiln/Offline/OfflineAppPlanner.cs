using System.Globalization;
using System.Text;

namespace Kiln.Offline;

/// <summary>
/// The offline model's planner: turns a project's prompts into a small, working app: static (index.html, styles.css,
/// app.js) or the React files of a Vite app. Pure and deterministic: the same prompts always give byte-identical files.
/// </summary>
public static class OfflineAppPlanner
{
    public const string Credit = "Built by Kiln's offline model — set ANTHROPIC_API_KEY for Claude.";

    /// <summary>True when the app the first prompt asks for has a Vite + React version.</summary>
    public static bool CanBuildWithVite(string firstPrompt) => ViteAppFiles.Supports(PromptReading.Read(firstPrompt).Kind);

    /// <param name="prompts">Every prompt of the project in order; the last is the newest (a follow-up when there are several).</param>
    /// <param name="stack">Static or Vite (only for a first prompt <see cref="CanBuildWithVite"/> accepts); never Auto.</param>
    public static OfflineAppPlan Plan(IReadOnlyList<string> prompts, OfflineAppStack stack = OfflineAppStack.Static)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0 || prompts.Any(prompt => prompt is null))
        {
            throw new ArgumentException("Planning needs at least one prompt, and no prompt may be null.", nameof(prompts));
        }
        var vite = stack switch
        {
            OfflineAppStack.Static => false,
            OfflineAppStack.Vite when CanBuildWithVite(prompts[0]) => true,
            _ => throw new ArgumentException($"Cannot plan a {stack} app for these prompts.", nameof(stack)),
        };

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
            // A Vite app switches only to a kind it has a component for; otherwise the request is noted.
            if (reading.NamesKind && reading.AsksToSwitch && reading.Kind != kind && (!vite || ViteAppFiles.Supports(reading.Kind)))
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
        var spec = new AppSpec(kind, title, about, look, changes, storageKey);
        return vite
            ? new OfflineAppPlan(kind, title, ViteAppFiles.Build(spec), Summary(kind, title, changes, "with Vite, React and TypeScript"), OfflineAppStack.Vite)
            : new OfflineAppPlan(kind, title, AppFiles.Build(spec), Summary(kind, title, changes, "as plain HTML, CSS and JavaScript"));
    }

    private static string Summary(OfflineAppKind kind, string title, List<ChangeEntry> changes, string how)
    {
        if (changes.Count == 0)
        {
            return $"Built {title}, {Describe(kind)}, {how}. {Credit}";
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
