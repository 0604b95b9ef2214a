using System.Globalization;
using System.Text;
using Kiln.Events;

namespace Kiln.Versions;

/// <summary>
/// A version's commit message: the prompt, then a last paragraph of Kiln's trailers
/// (<c>Kiln-Outcome: ready</c>, <c>Kiln-Events: 12-57</c>, <c>Kiln-Restored-From: &lt;hash&gt;</c>).
/// </summary>
public sealed record VersionMessage(string Prompt, VersionOutcome Outcome, long? FirstEvent, long? LastEvent, string? RestoredFrom)
{
    private const string OutcomeKey = "Kiln-Outcome";
    private const string EventsKey = "Kiln-Events";
    private const string RestoredFromKey = "Kiln-Restored-From";

    /// <summary>The message as committed (with <c>--cleanup=whitespace</c>, so a prompt's '#' lines stay).</summary>
    public string Format()
    {
        var text = new StringBuilder(Clean(Prompt)).Append("\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{OutcomeKey}: {Outcome.ToString().ToLowerInvariant()}\n");
        if (FirstEvent is { } first && LastEvent is { } last)
        {
            text.Append(CultureInfo.InvariantCulture, $"{EventsKey}: {first}-{last}\n");
        }

        if (RestoredFrom is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"{RestoredFromKey}: {RestoredFrom}\n");
        }

        return text.ToString();
    }

    /// <summary>Reads a message Kiln wrote; a message without Kiln's trailers is all prompt.</summary>
    public static VersionMessage Parse(string message)
    {
        var body = message.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
        var split = body.LastIndexOf("\n\n", StringComparison.Ordinal);
        var trailers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (split >= 0)
        {
            foreach (var line in body[(split + 2)..].Split('\n'))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line.StartsWith("Kiln-", StringComparison.Ordinal))
                {
                    trailers[line[..colon]] = line[(colon + 1)..].Trim();
                }
            }
        }

        if (trailers.Count == 0)
        {
            return new VersionMessage(body, VersionOutcome.Ready, null, null, null);
        }

        var outcome = trailers.TryGetValue(OutcomeKey, out var o) && Enum.TryParse<VersionOutcome>(o, ignoreCase: true, out var parsed)
            ? parsed
            : VersionOutcome.Ready;
        long? first = null, last = null;
        if (trailers.TryGetValue(EventsKey, out var range) && range.Split('-') is [var a, var b]
            && long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var from)
            && long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var to))
        {
            (first, last) = (from, to);
        }

        return new VersionMessage(body[..split], outcome, first, last, trailers.GetValueOrDefault(RestoredFromKey));
    }

    /// <summary>
    /// The prompt as a commit message can hold it: line endings made '\n', control characters (which git and the log's
    /// record separators would trip on) made spaces, trailing spaces gone, and never empty.
    /// </summary>
    private static string Clean(string prompt)
    {
        var text = new StringBuilder(prompt.Length);
        foreach (var c in prompt.Replace("\r\n", "\n", StringComparison.Ordinal))
        {
            text.Append(c == '\n' || !char.IsControl(c) ? c : ' ');
        }

        var lines = text.ToString().Split('\n').Select(line => line.TrimEnd());
        var cleaned = string.Join('\n', lines).Trim('\n');
        return cleaned.Trim().Length == 0 ? "(no prompt)" : cleaned;
    }
}
