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
    private readonly DevServerErrorReader? _errorReader;
    private readonly Func<PreviewErrorReport, Task>? _onError;

    /// <param name="logsDirectory">Where the log file goes.</param>
    /// <param name="appDirectory">The app's directory, to read compile errors relative to it; null reads none.</param>
    /// <param name="onError">Gets each compile error the server prints.</param>
    public DevServerOutput(string logsDirectory, string? appDirectory = null, Func<PreviewErrorReport, Task>? onError = null)
    {
        Directory.CreateDirectory(logsDirectory);
        _logPath = Path.Combine(logsDirectory, LogFileName);
        if (appDirectory is not null && onError is not null)
        {
            _errorReader = new DevServerErrorReader(appDirectory);
            _onError = onError;
        }
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

    /// <summary>
    /// Reads a stored line (see <see cref="Add"/>) for compile errors and reports each one it completes;
    /// <paramref name="quiet"/> says no further line is waiting, which ends an error block in progress.
    /// </summary>
    public async Task ReadErrorsAsync(string line, bool quiet)
    {
        if (_errorReader is null || _onError is null)
        {
            return;
        }

        PreviewErrorReport? finished;
        PreviewErrorReport? ended = null;
        lock (_lock)
        {
            finished = _errorReader.Read(line);
            if (quiet)
            {
                ended = _errorReader.Quiet();
            }
        }

        foreach (var report in new[] { finished, ended })
        {
            if (report is not null)
            {
                await _onError(report);
            }
        }
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
