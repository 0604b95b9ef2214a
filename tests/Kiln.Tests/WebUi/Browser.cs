using Kiln.Testing;
using Microsoft.Playwright;

namespace Kiln.Tests.WebUi;

/// <summary>
/// The web UI's browser tests share one Chromium and run one class at a time: on a small machine, browsers
/// started side by side make each other's timeouts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WebUiInChromium : ICollectionFixture<Browser>
{
    public const string Name = "Web UI in Chromium";
}

/// <summary>
/// Debian's Chromium driven by Playwright, started on first use so a test skips cleanly (or fails on CI) when
/// Chromium is missing. Playwright never downloads a browser here.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    private static readonly string[] Arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
    ];

    private readonly SemaphoreSlim _starting = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    static Browser()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Assertions.SetDefaultExpectTimeout(20_000);
    }

    /// <summary>A fresh page in its own context (its own storage), at a desktop or phone size.</summary>
    public async Task<UiPage> OpenAsync(Uri baseAddress, int width = 1280, int height = 800)
    {
        var browser = await StartAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = 1,
            ColorScheme = ColorScheme.Light,
            ReducedMotion = ReducedMotion.Reduce,
        });
        context.SetDefaultTimeout(20_000);
        return new UiPage(context, await context.NewPageAsync(), baseAddress);
    }

    private async Task<IBrowser> StartAsync()
    {
        var chromium = Requires.Chromium(); // skips (or fails on CI) with the install step when missing
        await _starting.WaitAsync();
        try
        {
            _playwright ??= await Playwright.CreateAsync();
            _browser ??= await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = Arguments,
            });
            return _browser;
        }
        finally
        {
            _starting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _starting.Dispose();
    }
}
