using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kiln.Sandbox;

namespace Kiln.Tools;

/// <summary>How a command's result reads to the model: what ran, how it ended, and its output, cut to a size a model can take in.</summary>
internal static partial class CommandReport
{
    /// <summary>Of the output kept when it is cut, this share is its beginning; the rest is its end, where errors usually are.</summary>
    private const int HeadShare = 8;

    /// <summary>The whole report: command, exit code, duration, whether it was killed, then the output.</summary>
    public static string Describe(string command, ProcessResult result, string output, int maxOutputChars, TimeSpan? limit)
    {
        var text = new StringBuilder()
            .Append("Command: ").Append(command).Append('\n')
            .Append("Exit code: ").Append(result.ExitCode.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("Duration: ").Append(Seconds(result.Duration)).Append('\n')
            .Append("Killed: ").Append(Killed(result, limit)).Append('\n');
        AppendOutput(text, output, maxOutputChars);
        return text.ToString();
    }

    public static string Killed(ProcessResult result, TimeSpan? limit) =>
        result.QuotaExceeded is { } quota ? $"yes: {QuotaStop(quota)}"
        : result.TimedOut ? $"yes: it ran past its {(limit is { } l ? Seconds(l) : "time")} limit, so its whole process tree was stopped"
        : result.Cancelled ? "yes: the call was cancelled, so its whole process tree was stopped"
        : result.ProcessLimitReached ? "yes: it tried to run more processes than the sandbox allows, so its whole process tree was stopped"
        : "no";

    /// <summary>Why a command was stopped by its project's quota, how much the project holds, and how to make room.</summary>
    public static string QuotaStop(DiskQuotaExceeded quota) =>
        $"{quota.Describe()}, so its whole process tree was stopped (Kiln:Quotas:MaxProjectBytes, Kiln:Tools:MaxFiles). " +
        (quota.TooManyBytes
            ? "Free space before running it again: delete what the app does not need (build output such as dist/ or .next/, " +
              "generated or downloaded files) with delete_file or 'rm', and write smaller files."
            : "Delete files the app does not need (with delete_file or 'rm') before running it again; files in node_modules and " +
              "dot-directories do not count.");

    public static void AppendOutput(StringBuilder text, string output, int maxChars)
    {
        if (output.Length == 0)
        {
            text.Append("Output: (none)\n");
            return;
        }

        if (output.Length <= maxChars)
        {
            text.Append("Output:\n").Append(output);
            return;
        }

        var head = maxChars / HeadShare;
        var tail = maxChars - head;
        text.Append(CultureInfo.InvariantCulture,
                $"Output (cut to {maxChars} of its {output.Length} characters: the first {head} and the last {tail}):\n")
            .Append(output.AsSpan(0, head))
            .Append(CultureInfo.InvariantCulture, $"\n[... {output.Length - head - tail} characters cut ...]\n")
            .Append(output.AsSpan(output.Length - tail));
    }

    /// <summary>The last <paramref name="count"/> lines of the output.</summary>
    public static string LastLines(string output, int count)
    {
        var lines = output.TrimEnd('\n').Split('\n');
        return string.Join('\n', lines.Length <= count ? lines : lines[^count..]);
    }

    /// <summary>What stands for lines of binary output in events as they stream, before their size is known.</summary>
    public const string BinaryNote = "[binary output not shown]";

    // A NUL, a byte sequence that was not UTF-8 (decoded as U+FFFD), or a C0 control no text output uses (tab, the
    // line and page breaks, backspace and escape are text's own).
    private static readonly SearchValues<char> BinaryMarkers = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001c\u001d\u001e\u001f\ufffd");

    /// <summary>Whether a line of output is binary rather than text (a <c>cat</c> of an image, say).</summary>
    public static bool IsBinary(string line) => line.AsSpan().IndexOfAny(BinaryMarkers) >= 0;

    /// <summary>
    /// The output with each run of binary lines replaced by one line saying how much was left out: raw bytes are noise
    /// to a model, and a NUL or an invalid byte in a result or an event is trouble for every client that reads it.
    /// </summary>
    public static string HideBinary(string output)
    {
        if (output.AsSpan().IndexOfAny(BinaryMarkers) < 0)
        {
            return output;
        }

        var lines = new List<string>();
        var hidden = 0;
        foreach (var line in output.Split('\n'))
        {
            if (IsBinary(line))
            {
                hidden += line.Length + 1;
                continue;
            }

            AddHidden();
            lines.Add(line);
        }

        AddHidden();
        return string.Join('\n', lines);

        void AddHidden()
        {
            if (hidden > 0)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"[binary output not shown: {hidden} characters]"));
                hidden = 0;
            }
        }
    }

    /// <summary>Removes terminal colour and cursor codes: they are noise to a model and to a client reading events.</summary>
    public static string StripAnsi(string text) =>
        text.Contains('\u001b', StringComparison.Ordinal) ? AnsiCodes().Replace(text, "") : text;

    public static string Seconds(TimeSpan duration) =>
        duration.TotalSeconds.ToString(duration.TotalSeconds < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " s";

    // CSI sequences (colours, cursor moves), OSC sequences (titles, links) and the two-character escapes.
    [GeneratedRegex(@"\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?|\u001b[@-Z\\-_]")]
    private static partial Regex AnsiCodes();
}
