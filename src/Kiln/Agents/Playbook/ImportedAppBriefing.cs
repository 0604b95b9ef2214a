using System.Text;
using System.Text.Json;

namespace Kiln.Agents;

/// <summary>
/// What kind of app an imported project holds, read from its files: its framework, the package manager its lockfile
/// belongs to, and its scripts. The agent's briefing gets it as a section of its own for every prompt of an imported
/// app, so the agent continues that app on its stack instead of the playbook's default one.
/// </summary>
public static class ImportedAppBriefing
{
    /// <summary>The section for the briefing, or null when the project was not imported.</summary>
    public static string? Describe(string appDirectory, string importRecord)
    {
        if (!File.Exists(importRecord))
        {
            return null;
        }

        var source = File.ReadAllText(importRecord).Trim();
        var text = new StringBuilder("\n# An imported app\n\n");
        text.Append("You did not write this app: it was imported from ").Append(source)
            .Append(" (version 1, \"imported\"). It is ").Append(Kind(appDirectory)).Append(".\n");
        if (LockfileManager(appDirectory) is { } manager)
        {
            text.Append("It came with a ").Append(manager).Append(" lockfile; install_dependencies installs with Kiln's package manager, which reads package.json.\n");
        }

        if (Scripts(appDirectory) is { Count: > 0 } scripts)
        {
            text.Append("Its scripts: ").Append(string.Join(", ", scripts.Select(script => $"{script.Key} (`{script.Value}`)"))).Append(".\n");
        }

        text.Append("Keep its stack, structure and conventions: read a file before you change it, never scaffold over the app, and add to what is there rather than rewrite it.\n");
        return text.ToString();
    }

    /// <summary>The kind of app in <paramref name="appDirectory"/>, as a phrase: "a Vite app (React, TypeScript)", "a static site", …</summary>
    public static string Kind(string appDirectory)
    {
        var manifest = Path.Combine(appDirectory, "package.json");
        if (!File.Exists(manifest))
        {
            return File.Exists(Path.Combine(appDirectory, "index.html"))
                ? "a static site (HTML, CSS and JavaScript served as they are, with no build step)"
                : "a set of files with no index.html and no package.json";
        }

        var dependencies = Dependencies(manifest);
        if (dependencies is null)
        {
            return "a Node.js app whose package.json is not valid JSON";
        }

        var libraries = new List<string>();
        foreach (var (package, name) in (ReadOnlySpan<(string, string)>)[("react", "React"), ("vue", "Vue"), ("svelte", "Svelte"), ("typescript", "TypeScript"), ("tailwindcss", "Tailwind CSS")])
        {
            if (dependencies.Contains(package))
            {
                libraries.Add(name);
            }
        }

        var with = libraries.Count > 0 ? $" ({string.Join(", ", libraries)})" : "";
        return dependencies.Contains("next") ? $"a Next.js app{with}"
            : dependencies.Contains("vite") ? $"a Vite app{with}"
            : $"a Node.js app{with}";
    }

    private static string? LockfileManager(string appDirectory) =>
        File.Exists(Path.Combine(appDirectory, "pnpm-lock.yaml")) ? "pnpm"
        : File.Exists(Path.Combine(appDirectory, "package-lock.json")) ? "npm"
        : File.Exists(Path.Combine(appDirectory, "yarn.lock")) ? "yarn"
        : File.Exists(Path.Combine(appDirectory, "bun.lockb")) || File.Exists(Path.Combine(appDirectory, "bun.lock")) ? "bun"
        : null;

    private static HashSet<string>? Dependencies(string manifest)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(manifest));
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var section in (string[])["dependencies", "devDependencies"])
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(section, out var entries)
                    && entries.ValueKind == JsonValueKind.Object)
                {
                    names.UnionWith(entries.EnumerateObject().Select(entry => entry.Name));
                }
            }

            return names;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<KeyValuePair<string, string>> Scripts(string appDirectory)
    {
        var manifest = Path.Combine(appDirectory, "package.json");
        if (!File.Exists(manifest))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("scripts", out var scripts)
                && scripts.ValueKind == JsonValueKind.Object
                ? [.. scripts.EnumerateObject().Where(s => s.Value.ValueKind == JsonValueKind.String).Take(12).Select(s => KeyValuePair.Create(s.Name, s.Value.GetString()!))]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
