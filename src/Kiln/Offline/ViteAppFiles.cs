using System.Collections.Frozen;
using System.Text;

namespace Kiln.Offline;

/// <summary>
/// The files of an app built as Vite + React + TypeScript, written over Vite's react-ts template: the same kinds,
/// looks and words as the static app (<see cref="AppFiles"/>), with state in React hooks saved to localStorage under
/// the same key. Everything a prompt said lands in src/settings.ts as escaped string literals and reaches the page
/// only as React text, never as markup.
/// </summary>
internal static class ViteAppFiles
{
    /// <summary>
    /// The component of each kind, in src/components/; a landing page is a whole page, so it is App.tsx itself.
    /// </summary>
    private static readonly FrozenDictionary<OfflineAppKind, string?> Components = new Dictionary<OfflineAppKind, string?>
    {
        [OfflineAppKind.Todo] = "TodoList",
        [OfflineAppKind.Counter] = "Counter",
        [OfflineAppKind.Notes] = "Notes",
        [OfflineAppKind.Calculator] = "Calculator",
        [OfflineAppKind.Landing] = null,
        [OfflineAppKind.Timer] = "Timer",
        [OfflineAppKind.Default] = "Collection",
    }.ToFrozenDictionary();

    public static bool Supports(OfflineAppKind kind) => Components.ContainsKey(kind);

    public static IReadOnlyList<OfflinePlannedFile> Build(AppSpec app)
    {
        var component = Components[app.Kind];
        var kind = app.Kind.ToString().ToLowerInvariant();
        var values = AppFiles.Values(app, kind);
        values["component"] = component ?? "";
        var styles = app.Parts.Count == 0
            ? Template.Load($"{kind}.css")
            : string.Concat(app.Parts.Select(part => Template.Load($"{Name(part.Kind)}.css")).Prepend(Template.Load($"{kind}.css")).Distinct()) + Template.Load("parts.css");
        List<OfflinePlannedFile> files =
        [
            new("index.html", Template.Fill("react-index.html", values)),
            new("src/main.tsx", Template.Load("react-main.tsx")),
            new("src/index.css", Template.Fill("tokens.css", values) + Template.Load("base.css")),
            new("src/App.css", styles),
            new("src/icon.svg", Template.Load($"icon-{kind}.svg")),
            new("src/settings.ts", Settings(app, values)),
            new("src/components/Extras.tsx", Template.Load("react-Extras.tsx")),
        ];
        if (component is null)
        {
            files.Add(new("src/App.tsx", Template.Load($"react-App{app.Kind}.tsx")));
        }
        else if (app.Parts.Count == 0)
        {
            files.Add(new($"src/components/{component}.tsx", Template.Load($"react-{component}.tsx")));
            files.Add(new("src/App.tsx", Template.Fill("react-App.tsx", values)));
        }
        else
        {
            var components = app.Parts.Select(part => Components[part.Kind]!).Prepend(component).ToList();
            files.AddRange(components.Select(name => new OfflinePlannedFile($"src/components/{name}.tsx", Template.Load($"react-{name}.tsx"))));
            values["imports"] = string.Join('\n', components.Select(name => $"import {name} from './components/{name}.tsx'"));
            values["sections"] = Sections(app, component);
            files.Add(new("src/App.tsx", Template.Fill("react-AppParts.tsx", values)));
        }

        return files;
    }

    /// <summary>
    /// The JSX of an app of several parts: the main part's card, then each other part under its heading, with its own
    /// storage key and without the page-wide shortcuts, which stay the main part's. Nothing here comes from a prompt:
    /// headings and keys are read from settings.ts.
    /// </summary>
    private static string Sections(AppSpec app, string main)
    {
        var text = new StringBuilder()
            .Append($"        <div className=\"part part-{Name(app.Kind)}\">\n")
            .Append($"          <div className=\"card\">\n            <{main} />\n          </div>\n")
            .Append("        </div>");
        foreach (var part in app.Parts)
        {
            var name = Name(part.Kind);
            var shortcuts = part.Kind == OfflineAppKind.Todo ? "" : " shortcuts={false}";
            text.Append($"\n        <section className=\"part part-{name}\" aria-labelledby=\"part-{name}\">\n")
                .Append($"          <h2 className=\"part-title\" id=\"part-{name}\">{{settings.parts.{name}.heading}}</h2>\n")
                .Append($"          <div className=\"card\">\n")
                .Append($"            <{Components[part.Kind]} storageKey={{settings.parts.{name}.storageKey}}{shortcuts} />\n")
                .Append("          </div>\n        </section>");
        }

        return text.ToString();
    }

    private static string Name(OfflineAppKind kind) => kind.ToString().ToLowerInvariant();

    private static string Settings(AppSpec app, Dictionary<string, string> values)
    {
        var text = new StringBuilder("""
            // What this app was planned with: its words, from the prompts, and the follow-up requests it was given.
            // Kiln's offline model rewrites this file when a follow-up changes them; colours and text size are in index.css.

            export interface Change {
              request: string
              applied: string[]
            }

            /** Another kind of app on the same page, under its heading, keeping its data under its own key. */
            export interface Part {
              heading: string
              storageKey: string
            }

            export interface Settings {
              title: string
              tagline: string
              storageKey: string
              item: string
              items: string
              anItem: string
              counterLabel: string
              note: string | null
              footer: string | null
              changes: Change[]
              parts: Record<string, Part>
              landing: Landing | null
            }

            export interface Landing {
              eyebrow: string
              initials: string
              primaryAction: string
              secondaryAction: string
              featuresHeading: string
              features: { heading: string; text: string }[]
              signupHeading: string
              signupText: string
            }

            export const settings: Settings = {

            """);
        foreach (var key in new[] { "title", "tagline", "storageKey", "item", "items", "anItem", "counterLabel" })
        {
            text.Append($"  {key}: {Escape.JsString(values[key])},\n");
        }

        text.Append($"  note: {Literal(app.Look.Note)},\n");
        text.Append($"  footer: {Literal(AppFiles.FooterText(app))},\n");
        text.Append("  changes: [");
        foreach (var change in app.Changes)
        {
            text.Append($"\n    {{ request: {Escape.JsString(change.Request)}, applied: [{string.Join(", ", change.Applied.Select(Escape.JsString))}] }},");
        }

        text.Append(app.Changes.Count > 0 ? "\n  ],\n" : "],\n");
        text.Append("  parts: {");
        foreach (var part in app.Parts)
        {
            text.Append($"\n    {Name(part.Kind)}: {{ heading: {Escape.JsString(part.Heading)}, storageKey: {Escape.JsString(part.StorageKey)} }},");
        }

        text.Append(app.Parts.Count > 0 ? "\n  },\n" : "},\n");
        if (app.Kind == OfflineAppKind.Landing)
        {
            text.Append("  landing: {\n");
            foreach (var key in new[] { "eyebrow", "initials", "primaryAction", "secondaryAction", "featuresHeading" })
            {
                text.Append($"    {key}: {Escape.JsString(values[key])},\n");
            }

            text.Append("    features: [\n");
            for (var i = 1; values.ContainsKey($"feature{i}Heading"); i++)
            {
                text.Append($"      {{ heading: {Escape.JsString(values[$"feature{i}Heading"])}, text: {Escape.JsString(values[$"feature{i}Text"])} }},\n");
            }

            text.Append("    ],\n");
            text.Append($"    signupHeading: {Escape.JsString(values["signupHeading"])},\n");
            text.Append($"    signupText: {Escape.JsString(values["signupText"])},\n");
            text.Append("  },\n");
        }
        else
        {
            text.Append("  landing: null,\n");
        }

        return text.Append("}\n").ToString();
    }

    private static string Literal(string? text) => text is null ? "null" : Escape.JsString(text);
}
