using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kiln.Browser;
using Kiln.Events;
using Kiln.Preview;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>The browser tool: the app as a person sees it, in Kiln's headless Chromium.</summary>
[McpServerToolType]
public sealed partial class BrowserTools(
    ToolContext context, HeadlessBrowser browser, DevServerSupervisor devServers, PreviewOrigin origin, RegressionGuard regressions)
{
    [McpServerTool(Name = "check_app", ReadOnly = true, Idempotent = true)]
    [Description("Opens a page of the app's preview in Kiln's headless browser (Chromium), waits for it to settle, and returns what a person would see: the HTTP status, the title, uncaught exceptions with their stack, console errors and warnings, failed requests, and a screenshot. Call it after start_dev_server and after changes, and fix what it reports before you finish. Each call is a fresh visit (no cookies or localStorage kept), and the page may load nothing but the app's own origin.")]
    public async Task<CallToolResult> CheckApp(
        [Description("The page to open: a path on the app's own preview origin, such as \"/\" or \"/about?tab=2\". Other origins and schemes are refused.")]
        string path = "/",
        [Description("The browser window's width in CSS pixels; its height is 800. 1280 for a desktop, 390 for a phone.")]
        int width = 1280,
        CancellationToken cancellationToken = default)
    {
        if (width is < HeadlessBrowser.MinWidth or > HeadlessBrowser.MaxWidth)
        {
            throw new McpException($"width must be between {HeadlessBrowser.MinWidth} and {HeadlessBrowser.MaxWidth} pixels; {width} is not.");
        }

        var page = PathOnOrigin(path);
        RequireServer();
        PageReport report;
        try
        {
            report = await browser.CheckAsync(context.ProjectId, page, width, cancellationToken);
        }
        catch (PageCheckException exception)
        {
            throw new McpException(exception.Message, exception);
        }

        await context.Events.AppendAsync(
            context.ProjectId, new AppChecked(page, report.Status, report.ErrorCount, (long)report.Duration.TotalMilliseconds), cancellationToken);
        // What the agent saw is kept with the version this generation ends with, and re-checked by later ones.
        regressions.Remember(context.ProjectId, page, report);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = Describe(report, page) }, ImageContentBlock.FromBytes(report.Screenshot, "image/png")],
        };
    }

    /// <summary>
    /// The path (with query and fragment) that <paramref name="path"/> names on the app's preview origin. An absolute URL
    /// is taken only on that origin (as Kiln publishes it, or as Kiln reaches it locally); any other origin or scheme,
    /// and a path that a browser would read as another host (<c>//host</c>, <c>/\host</c>), is refused.
    /// </summary>
    private string PathOnOrigin(string? path)
    {
        var text = string.IsNullOrWhiteSpace(path) ? "/" : path.Trim();
        var published = origin.UrlFor(context.ProjectId);
        var local = origin.LocalUrlFor(context.ProjectId);
        Uri url;
        if (SchemePrefix().IsMatch(text))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out url!) || !(PageOrigin.IsSame(url, published) || PageOrigin.IsSame(url, local)))
            {
                throw Refused(text, published);
            }
        }
        else
        {
            url = new Uri(local, text.StartsWith('/') ? text : "/" + text);
            if (!PageOrigin.IsSame(url, local))
            {
                throw Refused(text, published);
            }
        }

        // A path that begins with two slashes names another host when a browser resolves it.
        var page = url.PathAndQuery + url.Fragment;
        return page.StartsWith("//", StringComparison.Ordinal) ? throw Refused(text, published) : page;
    }

    private static McpException Refused(string text, Uri published) => new(
        $"check_app opens only this app's own preview ({PageOrigin.Of(published)}); '{text}' is not on it. " +
        "Pass a path of the app, such as \"/\" or \"/about\".");

    /// <summary>
    /// A dev-server app is checked only while its server runs. check_app does not start it: start_dev_server reports a
    /// failed start with the server's output and waits up to a minute, which is its job, not a page check's.
    /// </summary>
    private void RequireServer()
    {
        var source = PreviewSource.Detect(context.App.Root);
        if (source.IsEmpty)
        {
            throw new McpException(source.Problem!);
        }

        if (source.DevServer is null)
        {
            return; // static files are served as they are
        }

        var status = devServers.Status(context.ProjectId);
        switch (status.State)
        {
            case DevServerState.Running:
                return;
            case DevServerState.Crashed:
                var last = status.LastErrors is [.., var error] ? $": {error}" : ".";
                throw new McpException($"The dev server has crashed{last} Fix the cause, call start_dev_server, then check_app.");
            case DevServerState.Starting:
                throw new McpException("The dev server is still starting: call start_dev_server, which waits until it answers, then check_app.");
            default:
                throw new McpException("The dev server is not running: call start_dev_server first, then check_app.");
        }
    }

    private static string Describe(PageReport report, string page)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Checked {page} at {report.Width}×{report.Height} in {report.Duration.TotalMilliseconds:0} ms.\n")
            .Append("HTTP status: ").Append(report.Status?.ToString(CultureInfo.InvariantCulture) ?? "none").Append('\n')
            .Append("Title: ").Append(report.Title.Length == 0 ? "(none)" : report.Title).Append('\n');
        if (report.NavigationError is { } navigation)
        {
            text.Append(navigation).Append('\n');
        }
        else if (!report.Settled)
        {
            text.Append("The page kept making requests and never went quiet; this is how it was when the screenshot was taken.\n");
        }

        var origin = PageOrigin.Of(report.Url);
        Section(text, origin, "Uncaught exceptions", report.Exceptions, exception => exception);
        Section(text, origin, "Console errors", report.ConsoleErrors, PageText.Message);
        Section(text, origin, "Failed requests", report.FailedRequests, Request);
        Section(text, origin, "Console warnings", report.ConsoleWarnings, PageText.Message);
        if (report.Omitted > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n({report.Omitted} more entries past {PageReport.MaxEntries} per list are not shown.)\n");
        }

        if (report.ErrorCount == 0 && report.Status is null or < 400)
        {
            text.Append("\nNo errors: nothing was thrown, nothing logged an error, and every request succeeded.\n");
        }

        text.Append("\nThe screenshot below shows the page as it looked at the end of the check.");
        return text.ToString();
    }

    private static void Section<T>(StringBuilder text, string origin, string heading, IReadOnlyList<T> entries, Func<T, string> line)
    {
        if (entries.Count == 0)
        {
            return;
        }

        text.Append('\n').Append(heading).Append(CultureInfo.InvariantCulture, $" ({entries.Count}):\n");
        foreach (var entry in entries)
        {
            text.Append("- ").Append(PageText.Readable(line(entry), origin).Replace("\n", "\n  ", StringComparison.Ordinal)).Append('\n');
        }
    }

    private static string Request(FailedRequest request) => request switch
    {
        { Blocked: true } => $"{request.Method} {request.Url}: blocked, because check_app's browser loads nothing but the app's own origin",
        { Status: { } status } => $"{request.Method} {request.Url}: {status.ToString(CultureInfo.InvariantCulture)} {request.Reason}".TrimEnd(),
        _ => $"{request.Method} {request.Url}: {request.Reason}",
    };

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex SchemePrefix();
}
