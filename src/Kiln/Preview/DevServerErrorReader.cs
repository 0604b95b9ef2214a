using System.Text;
using System.Text.RegularExpressions;
using Kiln.Events;

namespace Kiln.Preview;

/// <summary>
/// Finds compile errors in a dev server's output, line by line. Vite prints one as a block: a line with
/// "Internal server error:" or "Pre-transform error:", then the compiler's message, a code frame, the plugin and
/// the file, and a stack. The block ends at the next log line of Vite's, or when the server falls quiet (Vite
/// writes a block in one go), and becomes one <see cref="PreviewErrorReport"/>.
/// </summary>
internal sealed partial class DevServerErrorReader(string appRoot)
{
    private const int MaxBlockLines = 80;

    private readonly List<string> _block = [];
    private string? _message;

    /// <summary>Reads one line (colour codes removed); returns the error a finished block held, if any.</summary>
    public PreviewErrorReport? Read(string line)
    {
        var start = ErrorStart().Match(line);
        if (start.Success)
        {
            var finished = Finish();
            _message = start.Groups["message"].Value.Trim();
            _block.Add(line.Trim());
            return finished;
        }

        if (_message is null)
        {
            return null;
        }

        if (ViteLogLine().IsMatch(line))
        {
            return Finish();
        }

        if (_block.Count < MaxBlockLines)
        {
            _block.Add(line);
        }

        return null;
    }

    /// <summary>The server printed nothing more for now: a block in progress is complete.</summary>
    public PreviewErrorReport? Quiet() => Finish();

    private PreviewErrorReport? Finish()
    {
        if (_message is not { } message)
        {
            return null;
        }

        var text = string.Join('\n', _block);
        // "Transform failed with 1 error:" says that, not what: the compiler's line after it does.
        if (message.EndsWith(':') || message.Length == 0)
        {
            var detail = _block.Skip(1).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !IsFrameLine(l));
            if (detail is not null)
            {
                message = $"{message} {detail}".Trim();
            }
        }

        var location = ErrorText.FindLocation(text, appRoot);
        if (location is { } place)
        {
            // The message need not repeat the place the report carries.
            message = message.Replace($"{Path.Combine(appRoot, place.File)}: ", "", StringComparison.Ordinal);
        }

        _message = null;
        _block.Clear();
        return new PreviewErrorReport(
            PreviewErrorSource.DevServer,
            message,
            location?.File,
            location?.Line,
            location?.Column,
            StripAppRoot(text));
    }

    private string StripAppRoot(string text)
    {
        var builder = new StringBuilder(text);
        builder.Replace(appRoot.TrimEnd('/') + "/", "");
        return builder.ToString();
    }

    private static bool IsFrameLine(string line) =>
        line.StartsWith("Plugin:", StringComparison.Ordinal) || line.StartsWith("File:", StringComparison.Ordinal) ||
        line.StartsWith("at ", StringComparison.Ordinal) || FrameCharacters().IsMatch(line);

    [GeneratedRegex(@"\[vite\](?: \([\w-]+\))? (?:Internal server error|Pre-transform error|\[[\w:-]+\] Error):(?<message>.*)$")]
    private static partial Regex ErrorStart();

    // Vite's next log line: "9:48:34 PM [vite] …" or "[vite] …".
    [GeneratedRegex(@"^(?:\d{1,2}:\d{2}:\d{2}(?: [AP]M)? )?\[vite\]")]
    private static partial Regex ViteLogLine();

    // Code frames: "   ╭─[ src/App.tsx:2:13 ]", " 2 │ …", "  > 2 | …".
    [GeneratedRegex(@"^[\s\d>]*[│|╭╰─┬]")]
    private static partial Regex FrameCharacters();
}
