using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Kiln.Offline;

/// <summary>
/// The app templates embedded under Templates/, filled in one pass so a value can never introduce a placeholder.
/// The placeholder says how its value is escaped: <c>{{name}}</c> as HTML text, <c>{{js name}}</c> as a JavaScript
/// string literal, and <c>{{{name}}}</c> as-is, for markup the planner has already built from escaped parts.
/// </summary>
internal static partial class Template
{
    private static readonly ConcurrentDictionary<string, string> Loaded = new(StringComparer.Ordinal);

    public static string Fill(string name, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(Load(name), match =>
        {
            var key = match.Groups["raw"].Success ? match.Groups["raw"].Value : match.Groups["name"].Value;
            if (!values.TryGetValue(key, out var value))
            {
                throw new InvalidOperationException($"Template {name} uses {{{{{key}}}}}, which the planner did not supply.");
            }
            return match.Groups["raw"].Success ? value : match.Groups["js"].Success ? Escape.JsString(value) : Escape.Html(value);
        });

    /// <summary>A template's text as embedded, with no placeholders filled.</summary>
    public static string Load(string name) => Loaded.GetOrAdd(name, static name =>
    {
        using var stream = typeof(Template).Assembly.GetManifestResourceStream($"OfflineTemplates/{name}")
            ?? throw new InvalidOperationException($"The offline template {name} is not embedded in Kiln.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    });

    [GeneratedRegex(@"\{\{\{(?<raw>[A-Za-z][A-Za-z0-9]*)\}\}\}|\{\{(?<js>js\s+)?(?<name>[A-Za-z][A-Za-z0-9]*)\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
