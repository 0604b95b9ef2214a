using System.Globalization;
using System.Text.RegularExpressions;

namespace Kiln.Preview;

/// <summary>
/// Reads errors out of tool output: where an error is (<c>src/App.tsx:12:5</c>, <c>src/App.tsx(12,5)</c>), made
/// relative to the app, and which line of a failed build says what went wrong.
/// </summary>
public static partial class ErrorText
{
    /// <summary>The first place in <paramref name="text"/> that is a source file of the app (not of node_modules).</summary>
    public static (string File, int Line, int? Column)? FindLocation(string text, string appRoot)
    {
        foreach (Match match in Location().Matches(text))
        {
            var file = RelativeToApp(match.Groups["file"].Value, appRoot);
            if (file.Contains("node_modules/", StringComparison.Ordinal) || file.StartsWith("node:", StringComparison.Ordinal))
            {
                continue;
            }

            var line = int.Parse(match.Groups["line"].Success ? match.Groups["line"].Value : match.Groups["line2"].Value, CultureInfo.InvariantCulture);
            var columnGroup = match.Groups["col"].Success ? match.Groups["col"] : match.Groups["col2"];
            int? column = columnGroup.Success ? int.Parse(columnGroup.Value, CultureInfo.InvariantCulture) : null;
            return (file, line, column);
        }

        return null;
    }

    /// <summary>A path as the app knows it: relative to its directory when it lies inside, else as given.</summary>
    public static string RelativeToApp(string path, string appRoot)
    {
        var trimmed = path.StartsWith("file://", StringComparison.Ordinal) ? path["file://".Length..] : path;
        var root = appRoot.TrimEnd('/') + "/";
        if (trimmed.StartsWith(root, StringComparison.Ordinal))
        {
            return trimmed[root.Length..];
        }

        // Inside the sandbox the app may sit at another absolute path; its directory name is Kiln's own.
        var marker = trimmed.IndexOf("/generated-app/", StringComparison.Ordinal);
        return marker >= 0 ? trimmed[(marker + "/generated-app/".Length)..] : trimmed.TrimStart('.', '/');
    }

    /// <summary>
    /// The line of a failed build's output that says what went wrong: the first that looks like an error, skipping
    /// the package manager's own trailer ("ELIFECYCLE", "Command failed with exit code 1").
    /// </summary>
    public static string? BuildErrorLine(IEnumerable<string> lines)
    {
        string? fallback = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || PackageManagerTrailer().IsMatch(line))
            {
                continue;
            }

            if (ErrorWord().IsMatch(line))
            {
                // "error during build:" says that, not what: the next line does.
                if (line.EndsWith(':') && line.Length < 40)
                {
                    fallback ??= line;
                    continue;
                }

                return line;
            }
        }

        return fallback;
    }

    // A source file and its line, as compilers and bundlers print it: path:line(:col) or path(line,col).
    [GeneratedRegex(@"(?<file>(?:file://)?[\w@.~/+-]*[\w@~+-]\.(?:tsx|ts|jsx|js|mjs|cjs|mts|cts|vue|svelte|astro|css|scss|sass|less|html|json))(?::(?<line>\d+)(?::(?<col>\d+))?|\((?<line2>\d+),(?<col2>\d+)\))")]
    private static partial Regex Location();

    [GeneratedRegex(@"\berror\b|\w+Error\b|\bERR_|\bfailed to\b|\bcannot find\b|\bunexpected\b", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorWord();

    [GeneratedRegex(@"ELIFECYCLE|ERR_PNPM_|^npm (?:ERR!|error)|Command failed with exit code|Exit status \d+|^error Command failed", RegexOptions.IgnoreCase)]
    private static partial Regex PackageManagerTrailer();
}
