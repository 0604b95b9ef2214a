using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Kiln.Events;
using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>
/// Each project's open errors of the running app (failed builds, dev server compile errors, errors the preview page
/// threw), kept in memory for the agent and the web UI. Identical errors are one entry with a count, and their
/// events are bounded: the first report, then one each time the count reaches 10, 100, 1000…, so a page throwing
/// in a loop cannot flood the event log. At most <see cref="MaxOpenErrors"/> different errors are kept per project.
/// </summary>
public sealed partial class PreviewErrors(EventLog events, TimeProvider time, ILogger<PreviewErrors> logger) : IProjectStateHolder
{
    public const int MaxOpenErrors = 20;
    public const int MaxMessageChars = 1000;
    public const int MaxStackChars = 4000;
    public const int MaxFileChars = 300;

    private readonly ConcurrentDictionary<string, ProjectErrors> _projects = new(StringComparer.Ordinal);

    /// <summary>Records an error; emits a <c>preview_error</c> event when it is new or its count reached a power of ten.</summary>
    public async Task ReportAsync(string projectId, PreviewErrorReport report, CancellationToken cancellationToken)
    {
        var message = Shorten(Normalize(report.Message), MaxMessageChars);
        if (message.Length == 0)
        {
            return;
        }

        var file = report.File is { Length: > 0 } f ? Shorten(f.Trim(), MaxFileChars) : null;
        var line = report.Line is > 0 ? report.Line : null;
        var column = line is not null && report.Column is > 0 ? report.Column : null;
        var stack = report.Stack is { Length: > 0 } s ? Shorten(s.TrimEnd(), MaxStackChars) : null;
        var count = Math.Clamp(report.Count, 1, 1_000_000);
        var id = IdOf(report.Source, message, file, line, column);
        var now = time.GetUtcNow();

        var errors = _projects.GetOrAdd(projectId, _ => new ProjectErrors());
        PreviewError? toSend;
        lock (errors.Lock)
        {
            if (errors.Open.TryGetValue(id, out var open))
            {
                var before = open.Count;
                var after = (int)Math.Min((long)before + count, int.MaxValue);
                errors.Open[id] = open with { Count = after, LastSeen = now, Stack = stack ?? open.Stack };
                toSend = ReachedPowerOfTen(before, after)
                    ? new PreviewError(report.Source, message, file, line, column, stack ?? open.Stack, after, id)
                    : null;
            }
            else if (errors.Open.Count >= MaxOpenErrors)
            {
                errors.Dropped++;
                toSend = null;
                if (errors.Dropped == 1)
                {
                    using var scope = ProjectLogScope.Begin(logger, projectId);
                    LogTooMany(logger, MaxOpenErrors);
                }
            }
            else
            {
                errors.Open[id] = new OpenPreviewError(id, report.Source, message, file, line, column, stack, count, now, now);
                toSend = new PreviewError(report.Source, message, file, line, column, stack, count, id);
            }
        }

        if (toSend is not null)
        {
            await events.AppendAsync(projectId, toSend, cancellationToken);
        }
    }

    /// <summary>The project's open errors, oldest first.</summary>
    public IReadOnlyList<OpenPreviewError> Open(string projectId)
    {
        if (!_projects.TryGetValue(projectId, out var errors))
        {
            return [];
        }

        lock (errors.Lock)
        {
            return [.. errors.Open.Values.OrderBy(e => e.FirstSeen).ThenBy(e => e.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Drops the project's open errors (those of <paramref name="sources"/>, or all) and says so with a
    /// <c>preview_errors_cleared</c> event when there were any.
    /// </summary>
    public async Task ClearAsync(string projectId, string reason, IReadOnlySet<PreviewErrorSource>? sources, CancellationToken cancellationToken)
    {
        if (!_projects.TryGetValue(projectId, out var errors))
        {
            return;
        }

        int cleared;
        lock (errors.Lock)
        {
            var ids = errors.Open.Values.Where(e => sources is null || sources.Contains(e.Source)).Select(e => e.Id).ToList();
            foreach (var id in ids)
            {
                errors.Open.Remove(id);
            }

            cleared = ids.Count;
            errors.Dropped = 0;
        }

        if (cleared > 0)
        {
            await events.AppendAsync(projectId, new PreviewErrorsCleared(reason, cleared), cancellationToken);
        }
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>Forgets a deleted project.</summary>
    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        _projects.TryRemove(projectId, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>The same id for the same error: its source, its message (without cache-busting queries) and its place.</summary>
    public static string IdOf(PreviewErrorSource source, string message, string? file, int? line, int? column)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{source}\n{CacheBusters().Replace(message, "")}\n{file}\n{line}\n{column}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];
    }

    private static bool ReachedPowerOfTen(int before, int after)
    {
        for (long power = 10; power <= after; power *= 10)
        {
            if (before < power)
            {
                return true;
            }
        }

        return false;
    }

    private static string Normalize(string? message) => Whitespace().Replace(message ?? "", " ").Trim();

    private static string Shorten(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    [GeneratedRegex(@"[ \t\r\n]+")]
    private static partial Regex Whitespace();

    // Vite and bundlers add ?t=…, ?v=… to module URLs on every change; the error is the same.
    [GeneratedRegex(@"[?&](?:t|v|import)=[\w.-]*")]
    private static partial Regex CacheBusters();

    [LoggerMessage(Level = LogLevel.Information, Message = "The project has {Max} open preview errors; further different ones are not kept until they are cleared")]
    private static partial void LogTooMany(ILogger logger, int max);

    private sealed class ProjectErrors
    {
        public Lock Lock { get; } = new();

        public Dictionary<string, OpenPreviewError> Open { get; } = new(StringComparer.Ordinal);

        public int Dropped { get; set; }
    }
}
