using System.Collections.Concurrent;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Versions;
using Microsoft.Extensions.Options;

namespace Kiln.Browser;

/// <summary>
/// Kiln's regression guard. While a generation runs it remembers the pages the agent checked (the latest check of each
/// path); when the generation has ended and its version is recorded, it keeps those checks with that version, then
/// opens again every page that rendered without errors in an earlier version. A page that fails now is a
/// <c>regression_found</c> event and an open error of the app (source <c>regression</c>), so "Fix it" and
/// <c>Kiln:Agent:AutoFix</c> send it back to the agent; each re-check's screenshot is kept for the new version.
/// The re-check is bounded (<see cref="BrowserOptions.RecheckPages"/>, <see cref="BrowserOptions.RecheckTimeout"/>)
/// and never fails a generation: what it cannot do, it logs and leaves.
/// </summary>
public sealed partial class RegressionGuard(
    HeadlessBrowser browser,
    VersionScreenshots screenshots,
    DevServerSupervisor devServers,
    ProjectWorkspace workspace,
    PreviewErrors errors,
    EventLog events,
    IOptions<BrowserOptions> options,
    TimeProvider time,
    ILogger<RegressionGuard> logger) : IProjectStateHolder
{
    /// <summary>Most errors kept per page (in the event and with the screenshot); the last line counts the rest.</summary>
    public const int MaxErrors = 10;

    private const int MaxErrorChars = 500;

    private readonly BrowserOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, CheckedPage>> _checked = new(StringComparer.Ordinal);

    /// <summary>A generation starts: checks made before it belong to none of its versions.</summary>
    public void Begin(string projectId) => _checked.TryRemove(projectId, out _);

    /// <summary>The agent checked <paramref name="page"/>: kept for the version the running generation ends with.</summary>
    public void Remember(string projectId, string page, PageReport report)
    {
        var pages = _checked.GetOrAdd(projectId, _ => new ConcurrentDictionary<string, CheckedPage>(StringComparer.Ordinal));
        if (pages.Count < VersionScreenshots.MaxPagesPerVersion || pages.ContainsKey(page))
        {
            pages[page] = Seen(page, report, PageCheckedBy.Agent).Page;
        }
    }

    /// <summary>
    /// A generation ended and made <paramref name="version"/> (null when none could be recorded): keeps the agent's checks
    /// with it, and when <paramref name="recheck"/>, opens again the pages that rendered before. Returns when done, out of
    /// time, or cancelled by <paramref name="cancellationToken"/>; never throws for any of those.
    /// </summary>
    public async Task AfterGenerationAsync(string projectId, AppVersion? version, bool recheck, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var seen = _checked.TryRemove(projectId, out var pages) ? pages.Values.OrderBy(page => page.At).ToList() : [];
        if (version is null)
        {
            return;
        }

        try
        {
            foreach (var page in seen)
            {
                await screenshots.SaveAsync(projectId, version.Number, page, CancellationToken.None);
            }

            if (recheck && _options.RecheckPages > 0)
            {
                await RecheckAsync(projectId, version, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // The project's directory went away (deleted while it ended), the disk is full, or Kiln is stopping and its
            // dev servers with it: no pictures this time.
            LogNotKept(logger, version.Number, exception.Message);
        }
    }

    private async Task RecheckAsync(string projectId, AppVersion version, CancellationToken cancellationToken)
    {
        // A few small local files; cancelling is for the browser work below, which catches it.
        var known = await screenshots.LastRenderedAsync(projectId, version.Number, CancellationToken.None);
        if (known.Count == 0)
        {
            return;
        }

        var started = time.GetTimestamp();
        using var budget = new CancellationTokenSource(_options.RecheckTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        int opened = 0, failing = 0;
        try
        {
            if (!await CanOpenAsync(projectId, deadline.Token))
            {
                return;
            }

            foreach (var before in known.Take(_options.RecheckPages))
            {
                var result = await OpenAsync(projectId, before, deadline.Token);
                if (result is null)
                {
                    break; // no browser: nothing more can be opened
                }

                var (now, details) = result.Value;
                opened++;
                await screenshots.SaveAsync(projectId, version.Number, now, CancellationToken.None);
                if (!now.Rendered)
                {
                    failing++;
                    await ReportAsync(projectId, version, before, now, details);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            if (budget.IsCancellationRequested)
            {
                LogOutOfTime(logger, _options.RecheckTimeout, opened, known.Count);
            }
            else
            {
                LogStopped(logger, opened, known.Count);
            }

            return;
        }

        var duration = time.GetElapsedTime(started);
        LogRechecked(logger, opened, version.Number, failing, duration);
    }

    /// <summary>
    /// Whether the app's pages can be opened now, as the preview would serve them: static files, a build that is
    /// current, or a dev server that runs or starts. A crashed server is left alone: its crash is an open error already.
    /// </summary>
    private async Task<bool> CanOpenAsync(string projectId, CancellationToken cancellationToken)
    {
        var source = PreviewSource.Detect(workspace.AppDirectory(projectId));
        if (source.IsEmpty)
        {
            LogNothingToOpen(logger, source.Problem ?? "the app has nothing to show");
            return false;
        }

        if (source.DevServer is null || devServers.State(projectId) == DevServerState.Running || source.BuildIsCurrent())
        {
            return true;
        }

        if (devServers.State(projectId) == DevServerState.Crashed)
        {
            LogNothingToOpen(logger, "its dev server has crashed");
            return false;
        }

        if (source.CannotRunReason() is { } reason)
        {
            LogNothingToOpen(logger, reason);
            return false;
        }

        var outcome = await devServers.EnsureRunningAsync(projectId, source.DevServer, explicitStart: false, cancellationToken);
        if (!outcome.Ready)
        {
            LogNothingToOpen(logger, outcome.Failure ?? "its dev server did not start");
        }

        return outcome.Ready;
    }

    /// <summary>Opens the page as it was last seen rendering (same path, same width); null when there is no browser.</summary>
    private async Task<(CheckedPage Page, string Details)?> OpenAsync(string projectId, PageScreenshot before, CancellationToken cancellationToken)
    {
        var width = Math.Clamp(before.Width, HeadlessBrowser.MinWidth, HeadlessBrowser.MaxWidth);
        try
        {
            return Seen(before.Path, await browser.CheckAsync(projectId, before.Path, width, cancellationToken), PageCheckedBy.Kiln);
        }
        catch (PageCheckException exception) when (exception.Failure == PageCheckFailure.TimedOut)
        {
            // A page that never finishes loading fails as surely as one that throws.
            var reason = Cut(exception.Message.Split('\n', 2)[0]);
            return (new CheckedPage(before.Path, width, [reason], PageCheckedBy.Kiln, time.GetUtcNow(), null), exception.Message);
        }
        catch (PageCheckException exception)
        {
            LogNoBrowser(logger, exception.Message);
            return null;
        }
    }

    private async Task ReportAsync(string projectId, AppVersion version, PageScreenshot before, CheckedPage now, string details)
    {
        LogRegression(logger, now.Path, before.Version, version.Number, now.Errors[0]);
        await events.AppendAsync(projectId, new RegressionFound(now.Path, version.Number, before.Version, now.Errors), CancellationToken.None);
        // The message names the version it last rendered in, not this one: the same breakage keeps the same error id
        // across versions, so auto-fix sees it come back instead of a new error each time.
        await errors.ReportAsync(projectId, new PreviewErrorReport(
            PreviewErrorSource.Regression,
            $"The page {now.Path} rendered without errors in version {before.Version} and fails now: {now.Errors[0]}",
            Stack: details), CancellationToken.None);
    }

    /// <summary>What the browser saw, as a page to keep: a line per error, and the whole of each for the agent.</summary>
    private (CheckedPage Page, string Details) Seen(string path, PageReport report, PageCheckedBy checkedBy)
    {
        var origin = PageOrigin.Of(report.Url);
        var lines = new List<string>();
        var details = new List<string>();
        if (report.NavigationError is { } navigation)
        {
            lines.Add(navigation);
            details.Add(navigation);
        }
        else if (report.Status is { } status and >= 400)
        {
            lines.Add($"HTTP {status}");
            details.Add($"The page answered HTTP {status}.");
        }

        // Failed requests alone do not count: a font or an image from another origin is blocked in every check.
        foreach (var exception in report.Exceptions.Select(text => PageText.Readable(text, origin)))
        {
            lines.Add("Uncaught " + Headline(exception));
            details.Add("Uncaught " + exception);
        }

        foreach (var error in report.ConsoleErrors.Select(message => PageText.Readable(PageText.Message(message), origin)))
        {
            lines.Add("Console error: " + Headline(error));
            details.Add("Console error: " + error);
        }

        var shown = lines.Count <= MaxErrors ? lines : [.. lines.Take(MaxErrors - 1), $"… and {lines.Count - (MaxErrors - 1)} more errors"];
        var page = new CheckedPage(path, report.Width, [.. shown.Select(Cut)], checkedBy, time.GetUtcNow(), report.Screenshot);
        return (page, string.Join("\n\n", details));
    }

    /// <summary>An error's first line, and where it was thrown when its stack says so: "Error: boom at About (/src/About.tsx:3:9)".</summary>
    private static string Headline(string text)
    {
        var lines = text.Split('\n', 3);
        var frame = lines.Length > 1 ? lines[1].Trim() : "";
        return frame.StartsWith("at ", StringComparison.Ordinal) ? $"{lines[0].Trim()} {frame}" : lines[0].Trim();
    }

    private static string Cut(string text) => text.Length <= MaxErrorChars ? text : string.Concat(text.AsSpan(0, MaxErrorChars - 1), "…");

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>Forgets a deleted project's checks (its screenshots go with its directory).</summary>
    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        _checked.TryRemove(projectId, out _);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Re-checked {Opened} pages for version {Version}: {Failing} fail now (in {Duration})")]
    private static partial void LogRechecked(ILogger logger, int opened, int version, int failing, TimeSpan duration);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Regression: {Path} rendered in version {Before} and fails in version {Version}: {Error}")]
    private static partial void LogRegression(ILogger logger, string path, int before, int version, string error);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Information, Message = "The pages were not re-checked: {Reason}")]
    private static partial void LogNothingToOpen(ILogger logger, string reason);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "The re-check of the pages ran out of its {Timeout} after {Opened} of {Known} pages")]
    private static partial void LogOutOfTime(ILogger logger, TimeSpan timeout, int opened, int known);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Information, Message = "The re-check of the pages was stopped after {Opened} of {Known} pages")]
    private static partial void LogStopped(ILogger logger, int opened, int known);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Warning, Message = "The pages were not re-checked: {Reason}")]
    private static partial void LogNoBrowser(ILogger logger, string reason);

    [LoggerMessage(EventId = 5016, Level = LogLevel.Warning, Message = "The checks of version {Version} were not kept: {Reason}")]
    private static partial void LogNotKept(ILogger logger, int version, string reason);
}
