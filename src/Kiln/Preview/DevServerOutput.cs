using System.Text;
using System.Text.RegularExpressions;

namespace Kiln.Preview;

/// <summary>
/// What a project's dev server printed: every line goes to <c>logs/dev-server.log</c>, and the last lines (and
/// the last lines that look like errors) are kept in memory for the model, the status and error events.
/// </summary>
internal sealed partial class DevServerOutput
{
    public const string LogFileName = "dev-server.log";
    private const int TailLines = 40;
    private const int ErrorLines = 10;
    /// <summary>A log that grew past this is moved aside (one generation kept) when the next run starts.</summary>
    private const long MaxLogBytes = 4L << 20;

    private readonly string _logPath;
    private readonly Queue<string> _tail = new();
    private readonly Queue<string> _errors = new();
    private readonly Lock _lock = new();

    public DevServerOutput(string logsDirectory)
    {
        Directory.CreateDirectory(logsDirectory);
        _logPath = Path.Combine(logsDirectory, LogFileName);
    }

    public string LogPath => _logPath;

    /// <summary>Opens the log for one run, with a header line; the previous run's lines stay above it.</summary>
    public StreamWriter BeginRun(string header)
    {
        if (File.Exists(_logPath) && new FileInfo(_logPath).Length > MaxLogBytes)
        {
            File.Move(_logPath, _logPath + ".1", overwrite: true);
        }

        lock (_lock)
        {
            _tail.Clear();
        }

        var writer = new StreamWriter(new FileStream(_logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false));
        writer.WriteLine(header);
        return writer;
    }

    /// <summary>Keeps a line (without terminal escapes) and returns it as stored.</summary>
    public string Add(string line)
    {
        var clean = Escapes().Replace(line, "").TrimEnd();
        lock (_lock)
        {
            Push(_tail, clean, TailLines);
            if (LooksLikeError(clean))
            {
                Push(_errors, clean, ErrorLines);
            }
        }

        return clean;
    }

    /// <summary>Records a failure of Kiln's own (a crash, a timeout) among the errors.</summary>
    public void AddError(string message)
    {
        lock (_lock)
        {
            Push(_errors, message, ErrorLines);
        }
    }

    public IReadOnlyList<string> Tail(int count = TailLines)
    {
        lock (_lock)
        {
            return _tail.Skip(Math.Max(0, _tail.Count - count)).ToList();
        }
    }

    public IReadOnlyList<string> Errors()
    {
        lock (_lock)
        {
            return _errors.ToList();
        }
    }

    private static bool LooksLikeError(string line) =>
        line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.Contains("ERR_", StringComparison.Ordinal) ||
        line.Contains("failed", StringComparison.OrdinalIgnoreCase) || line.Contains("exception", StringComparison.OrdinalIgnoreCase);

    private static void Push(Queue<string> queue, string line, int capacity)
    {
        if (line.Length == 0)
        {
            return;
        }

        queue.Enqueue(line.Length > 500 ? line[..500] + "…" : line);
        while (queue.Count > capacity)
        {
            queue.Dequeue();
        }
    }

    // NO_COLOR is set for every command, but not every tool honours it.
    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")]
    private static partial Regex Escapes();
}
