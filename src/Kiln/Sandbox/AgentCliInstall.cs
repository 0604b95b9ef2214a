using System.Text.Json;

namespace Kiln.Sandbox;

/// <summary>
/// Where an agent's CLI is installed, found from the path it was resolved to: what its sandbox must show read-only for it
/// to start. For Claude Code that is the <c>@anthropic-ai/claude-code</c> package directory (the native binary and what
/// it loads) and node's install, in case the package's entry point is a node script.
/// </summary>
/// <param name="Program">The path to start inside the sandbox: the CLI's own path when the view shows it, else the file its links end at.</param>
/// <param name="Directories">Host directories the CLI needs, to be bound read-only at the same paths.</param>
internal sealed record AgentCliInstall(string Program, IReadOnlyList<string> Directories)
{
    private const string PackageName = "@anthropic-ai/claude-code";

    /// <summary>The install of the CLI at <paramref name="cliPath"/>, with <paramref name="node"/>'s when there is one.</summary>
    public static AgentCliInstall Find(string cliPath, string? node, FilesystemView view)
    {
        var full = Path.GetFullPath(cliPath);
        var real = RealPath(full);
        var directories = new List<string> { PackageDirectory(real) ?? Path.GetDirectoryName(real)! };
        if (node is not null)
        {
            // …/bin/node: its prefix holds its global packages too (an npm-installed CLI's package among them).
            directories.Add(Path.GetDirectoryName(Path.GetDirectoryName(RealPath(node)))!);
        }

        var shown = directories.Where(d => d != "/" && !view.Shows(d, [])).Distinct(StringComparer.Ordinal).ToList();
        // A link such as ~/.local/bin/claude is not in the view, but what it points to is: start that.
        var program = view.Shows(full, shown) ? full : real;
        return new AgentCliInstall(program, shown);
    }

    /// <summary>The package directory of the Claude Code CLI that <paramref name="file"/> belongs to, if it is one.</summary>
    private static string? PackageDirectory(string file)
    {
        for (var directory = Path.GetDirectoryName(file); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            var manifest = Path.Join(directory, "package.json");
            if (File.Exists(manifest))
            {
                return NameOf(manifest) == PackageName ? directory : null;
            }
        }

        return null;
    }

    private static string? NameOf(string manifest)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string RealPath(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
}
