using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Kiln.Offline;

/// <summary>The outcome of a check_app call, as the offline model tells it in its summary.</summary>
internal enum AppCheckOutcome
{
    /// <summary>The page loaded, nothing was thrown or logged as an error, every request succeeded.</summary>
    Clean,

    /// <summary>The page threw, logged errors, had requests fail, or answered with an error status.</summary>
    Errors,

    /// <summary>check_app could not look (an error result: no browser, no server, a timeout).</summary>
    NotChecked,

    /// <summary>The result says neither: the summary quotes it rather than claim the app works.</summary>
    Unclear,
}

/// <summary>
/// What check_app reported about the app, read from its text: the text lists "Uncaught exceptions (n):", "Console
/// errors (n):" and "Failed requests (n):" with an entry per "- " line, the "HTTP status:", and says "No errors" when
/// there are none. The offline model cannot fix code, so it can only say honestly what the check found.
/// </summary>
internal sealed partial record AppCheck(AppCheckOutcome Outcome, IReadOnlyList<string> Errors, string Text)
{
    private const int MaxErrors = 5;
    private const int MaxErrorLength = 200;

    public static AppCheck Read(ToolCallRecord call)
    {
        var text = call.Result.ReplaceLineEndings("\n").Trim();
        if (call.Failed)
        {
            return new AppCheck(AppCheckOutcome.NotChecked, [], text);
        }

        var errors = new List<string>();
        if (Status().Match(text) is { Success: true } status && int.Parse(status.Groups["code"].Value, CultureInfo.InvariantCulture) >= 400)
        {
            errors.Add($"the page answered HTTP {status.Groups["code"].Value}");
        }

        var inErrorSection = false;
        foreach (var line in text.Split('\n'))
        {
            if (SectionHeading().Match(line) is { Success: true } heading)
            {
                inErrorSection = !heading.Groups["name"].Value.Equals("Console warnings", StringComparison.OrdinalIgnoreCase);
            }
            else if (inErrorSection && line.StartsWith("- ", StringComparison.Ordinal))
            {
                errors.Add(PromptText.Cap(line[2..], MaxErrorLength));
            }
            else if (!line.StartsWith("  ", StringComparison.Ordinal))
            {
                inErrorSection = false; // an entry's stack goes on indented; anything else ends the section
            }
        }

        var outcome = errors.Count > 0 ? AppCheckOutcome.Errors
            : text.Contains("No errors", StringComparison.Ordinal) ? AppCheckOutcome.Clean
            : AppCheckOutcome.Unclear;
        return new AppCheck(outcome, errors, text);
    }

    /// <summary>The summary's paragraph about the check.</summary>
    public string Describe()
    {
        switch (Outcome)
        {
            case AppCheckOutcome.Clean:
                return "I opened it in a browser with check_app: it loads with no errors.";
            case AppCheckOutcome.Errors:
                var text = new StringBuilder("But when I opened it in a browser with check_app, it reported errors:\n");
                foreach (var error in Errors.Take(MaxErrors))
                {
                    text.Append("- ").Append(error).Append('\n');
                }

                if (Errors.Count > MaxErrors)
                {
                    text.Append(CultureInfo.InvariantCulture, $"- and {Errors.Count - MaxErrors} more\n");
                }

                return text.Append("The offline model cannot fix code. To have them fixed, set ANTHROPIC_API_KEY (or another model provider) and ask again.").ToString();
            case AppCheckOutcome.NotChecked:
                return $"I could not check it in a browser: check_app said: {Lines()}";
            default:
                return $"I opened it in a browser with check_app, which said: {Lines()}";
        }
    }

    // The result's own lines, without the one that points at the screenshot, which the summary does not carry.
    private string Lines() =>
        string.Join('\n', Text.Split('\n').Where(line => line.Trim().Length > 0 && !line.Contains("screenshot", StringComparison.OrdinalIgnoreCase)).Take(6)) is { Length: > 0 } lines
            ? lines
            : "(no details)";

    [GeneratedRegex(@"^HTTP status:\s*(?<code>\d{3})\b", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Status();

    [GeneratedRegex(@"^(?<name>Uncaught exceptions|Console errors|Failed requests|Console warnings)\s*\(\d+\):\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SectionHeading();
}
