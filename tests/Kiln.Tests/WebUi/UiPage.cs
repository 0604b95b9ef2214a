using System.Text.Json;
using Microsoft.Playwright;

namespace Kiln.Tests.WebUi;

/// <summary>
/// One browser page on Kiln's UI, with what the tests ask of it: the timeline's seqs, screenshots, and the page's
/// uncaught errors and requests (every one must go to Kiln itself).
/// </summary>
public sealed class UiPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly Uri _kiln;
    private readonly List<string> _errors = [];
    private readonly List<string> _foreignRequests = [];

    internal UiPage(IBrowserContext context, IPage page, Uri kiln)
    {
        _context = context;
        _kiln = kiln;
        Page = page;
        page.PageError += (_, error) => _errors.Add(error);
        page.Request += (_, request) =>
        {
            var url = new Uri(request.Url);
            // The app's preview and its published site are Kiln too: their own origins p-{id}.localhost and s-{id}.localhost on Kiln's port.
            var isKiln = url.Port == kiln.Port && (url.Host == kiln.Host
                || ((url.Host.StartsWith("p-", StringComparison.Ordinal) || url.Host.StartsWith("s-", StringComparison.Ordinal)) && url.Host.EndsWith(".localhost", StringComparison.Ordinal)));
            if (url.Scheme is "http" or "https" or "ws" or "wss" && !isKiln)
            {
                _foreignRequests.Add(request.Url);
            }
        };
    }

    public IPage Page { get; }

    public ILocator Timeline => Page.Locator("#timeline");

    public IFrameLocator PreviewFrame => Page.FrameLocator("#preview-frame");

    /// <summary>The seq of every event the timeline shows, in page order.</summary>
    public async Task<long[]> SeqsAsync()
    {
        var seqs = await Page.Locator("#timeline [data-seq]").EvaluateAllAsync<long[]>("nodes => nodes.map(node => Number(node.dataset.seq))");
        return seqs;
    }

    public async Task<string> ProjectIdAsync()
    {
        await Assertions.Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/projects/[a-z0-9]+$"));
        return Page.Url[(Page.Url.LastIndexOf('/') + 1)..];
    }

    /// <summary>Saves a screenshot as a test artifact: artifacts/screenshots/{name}.png (or $KILN_SCREENSHOTS).</summary>
    public async Task ScreenshotAsync(string name)
    {
        // Let transitions and the frame's paint settle, as a person would see the page.
        await Page.WaitForTimeoutAsync(300);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{name}.png") });
    }

    /// <summary>No uncaught script error and no request to anywhere but Kiln, so far.</summary>
    public void AssertHealthy()
    {
        Assert.True(_errors.Count == 0, $"The page threw: {string.Join("\n", _errors)}");
        Assert.True(_foreignRequests.Count == 0, $"The page reached beyond Kiln: {string.Join(", ", _foreignRequests)}");
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();

    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    private static string FindScreenshotDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("KILN_SCREENSHOTS");
        if (!string.IsNullOrEmpty(configured))
        {
            return Directory.CreateDirectory(configured).FullName;
        }

        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Kiln.slnx")))
        {
            directory = directory.Parent;
        }

        var root = directory?.FullName ?? AppContext.BaseDirectory;
        return Directory.CreateDirectory(Path.Combine(root, "artifacts", "screenshots")).FullName;
    }
}

/// <summary>The events Kiln has stored for a project, read the way any client reads them.</summary>
internal static class StoredEvents
{
    public static async Task<List<JsonElement>> ReadAsync(Infrastructure.KilnApp kiln, string projectId)
    {
        await using var subscriber = kiln.Events(projectId);
        var events = new List<JsonElement>();
        while (true)
        {
            // Stored events arrive at once; a pause means the replay is over.
            using var idle = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
            try
            {
                if (await subscriber.NextAsync(idle.Token) is not { } next)
                {
                    return events;
                }

                events.Add(next);
            }
            catch (OperationCanceledException)
            {
                return events;
            }
        }
    }
}
