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

    /// <summary>What the summary says when the offline model could not build everything a prompt asked for.</summary>
    public const string GetTheRest = "To get the rest, set ANTHROPIC_API_KEY (or another model provider) and send the prompt again.";

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
        // The parts and missing features of the prompt that set the app's kind; a follow-up may add parts.
        var asked = PromptParts.Read(first, kind);
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
                asked = PromptParts.Read(reading, kind);
                applied.Add($"Rebuilt as {Describe(kind)}");
            }
            else if (vite && PromptParts.Read(reading, kind).Parts.Where(part => asked.Parts.All(had => had.Kind != part.Kind)).ToList() is { Count: > 0 } added)
            {
                // "add a timer": a Vite app gets the part beside what it has; the static app is one kind only, so there it is noted.
                asked = asked with { Parts = [.. asked.Parts, .. added] };
                applied.AddRange(added.Select(part => $"Added {part.Words}"));
            }
            (look, var styled) = look.Apply(prompt);
            applied.AddRange(styled);
            changes.Add(new ChangeEntry(PromptText.Cap(PromptText.Clean(prompt), PromptText.MaxTextLength), applied));
        }

        var title = look.Title ?? about.TitleFor(kind);
        // Keyed by the app's first title, so renaming it later keeps its saved data; each part has a key of its own.
        var slug = StorageSlug(first.TitleFor(first.Kind));
        var storageKey = StorageKey(kind, slug);
        // The static app is one kind only: there the other parts asked for are missing too, and the summary says so.
        var parts = vite ? asked.Parts.Select(part => new AppPart(part.Kind, Heading(part), StorageKey(part.Kind, slug))).ToList() : [];
        List<string> missing = vite ? [.. asked.Missing] : [.. asked.Parts.Select(part => part.Words), .. asked.Missing];
        var spec = new AppSpec(kind, title, about, look, changes, storageKey, parts);
        var built = parts.Select(part => part.Kind).Prepend(kind).ToList();
        return vite
            ? new OfflineAppPlan(kind, title, ViteAppFiles.Build(spec), Summary(spec, missing, "with Vite, React and TypeScript"), OfflineAppStack.Vite, built, missing)
            : new OfflineAppPlan(kind, title, AppFiles.Build(spec), Summary(spec, missing, "as plain HTML, CSS and JavaScript"), OfflineAppStack.Static, built, missing);
    }

    private static string Summary(AppSpec app, List<string> missing, string how)
    {
        if (app.Changes.Count == 0)
        {
            var built = app.Parts.Count == 0
                ? $"Built {app.Title}, {Describe(app.Kind)}, {how}."
                : $"Built {app.Title}, {Describe(app.Kind)}, plus {PromptText.JoinAnd(app.Parts.Select(part => Short(part.Kind)))} on the same page, {how}.";
            return missing.Count == 0
                ? $"{built} {Credit}"
                : $"{built}\n\nNot built: {PromptText.JoinAnd(missing.Select(words => $"“{words}”"))}. The offline model builds only a few kinds of " +
                  $"simple app (todo lists, notes, counters, calculators, timers, landing pages, collections). {GetTheRest}";
        }
        var latest = app.Changes[^1];
        return latest.Applied.Count > 0
            ? $"Updated {app.Title}: {string.Join(", ", latest.Applied)}. {Credit}"
            : $"Updated {app.Title}: the offline model can't make that change, so it is noted in the app's Changes section. {Credit}";
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

    /// <summary>A kind as one part among others: "plus a todo list and a counter on the same page".</summary>
    private static string Short(OfflineAppKind kind) => kind switch
    {
        OfflineAppKind.Todo => "a todo list",
        OfflineAppKind.Counter => "a counter",
        OfflineAppKind.Notes => "notes",
        OfflineAppKind.Calculator => "a calculator",
        OfflineAppKind.Timer => "a focus timer",
        _ => Describe(kind),
    };

    /// <summary>A part's heading, in the words that asked for it: "a task list" is headed "Task List".</summary>
    private static string Heading(PartRequest part) =>
        part.Phrase.Equals("calc", StringComparison.OrdinalIgnoreCase) ? "Calculator" : PromptText.Cap(PromptText.TitleCase(part.Phrase), PromptText.MaxTitleLength);

    private static string StorageKey(OfflineAppKind kind, string slug) => $"kiln.{kind.ToString().ToLowerInvariant()}.{slug}";

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
