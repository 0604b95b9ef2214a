using System.Text;

namespace Kiln.Sandbox;

/// <summary>
/// The head of an HTTP/1.x message as a proxy sees it: the start line's three parts (method, target, version for a
/// request; version, status, reason for a response), the header fields, and whatever bytes came after the head.
/// </summary>
internal sealed record MessageHead(string First, string Second, string Third, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Rest)
{
    /// <summary>Larger heads are refused: a package manager's are a few hundred bytes.</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>Reads up to the blank line that ends the head; null when the stream ends first, the head is too large or malformed.</summary>
    public static async Task<MessageHead?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBytes];
        var length = 0;
        while (true)
        {
            var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return Parse(Encoding.Latin1.GetString(buffer, 0, end), buffer.AsSpan(end + 4, length - end - 4).ToArray());
            }

            if (length == buffer.Length)
            {
                return null;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return null;
            }

            length += read;
        }
    }

    /// <summary>The head's bytes, with the start line and fields given.</summary>
    public static byte[] Format(string startLine, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var text = new StringBuilder(startLine).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        return Encoding.Latin1.GetBytes(text.Append("\r\n").ToString());
    }

    private static MessageHead? Parse(string head, byte[] rest)
    {
        var lines = head.Split("\r\n");
        var start = lines[0].Split(' ', 3);
        if (start.Length < 3 || start.Any(part => part.Length == 0))
        {
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            // Obsolete line folding and nameless fields are refused rather than guessed at.
            if (colon <= 0 || line[0] is ' ' or '\t')
            {
                return null;
            }

            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        return new MessageHead(start[0], start[1], start[2], headers, rest);
    }
}
