using System.Collections;
using System.Globalization;
using System.Net.Sockets;
using Kiln.Preview;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Kiln.Browser;

/// <summary>
/// One headless Chromium shared by every project, driven through Playwright for .NET: started on the first check,
/// started again when it died or stopped answering, closed when Kiln stops. Each check gets a browser context of its
/// own (no cookies, storage or cache shared with another check or project) that may load nothing but the project's
/// own preview origin, and is closed afterwards. Playwright's driver ships inside its NuGet package; the browser is
/// the machine's Chromium (<see cref="BrowserOptions.ExecutablePath"/>), never a downloaded one.
/// </summary>
public sealed partial class HeadlessBrowser(
    IOptions<BrowserOptions> options,
    PreviewOrigin origin,
    TimeProvider time,
    ILogger<HeadlessBrowser> logger) : IAsyncDisposable
{
    /// <summary>The viewport's height; the width is the caller's.</summary>
    public const int ViewportHeight = 800;

    public const int MinWidth = 240;
    public const int MaxWidth = 2560;

    /// <summary>The install step named when Chromium is missing.</summary>
    public const string InstallStep = "apt-get install chromium";

    /// <summary>How long closing a page or the browser may take before it is given up on (and the browser killed).</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly BrowserOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RefusingPort? _fence;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>
    /// Opens <paramref name="pathAndQuery"/> on the project's preview origin at <paramref name="width"/> pixels, lets it
    /// settle, and reports what it showed. Throws <see cref="PageCheckException"/> when there is no browser (none
    /// installed, or none started within <see cref="BrowserOptions.StartTimeout"/>) or the check did not finish within
    /// <see cref="BrowserOptions.CheckTimeout"/>.
    /// </summary>
    public async Task<PageReport> CheckAsync(string projectId, string pathAndQuery, int width, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinWidth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxWidth);
        var started = time.GetTimestamp();
        var home = origin.LocalUrlFor(projectId);
        var url = new Uri(home, pathAndQuery);
        if (!PageOrigin.IsSame(url, home))
        {
            throw new ArgumentException($"'{pathAndQuery}' leaves the app's own origin ({PageOrigin.Of(home)}).", nameof(pathAndQuery));
        }

        for (var attempt = 1; ; attempt++)
        {
            // Starting Chromium is Kiln's cost, not the page's: it has a limit of its own, and the check's time starts
            // once the browser is up (a cold start on a loaded machine took most of a short CheckTimeout).
            var browser = await StartAsync(cancellationToken);
            var check = new PageCheck(url, width, ViewportHeight, time);
            using var timeout = new CancellationTokenSource(_options.CheckTimeout, time);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await RunAsync(check, browser, url, width, deadline.Token);
                await check.CloseAsync(CloseGrace);
                return check.Report(time.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                LogCheckTimedOut(logger, url, _options.CheckTimeout);
                throw new PageCheckException(
                    $"The page {url} did not finish within {_options.CheckTimeout.TotalSeconds:0} s (Kiln:Browser:CheckTimeout), so the check was abandoned. " +
                    $"An endless loop or a request that never ends in the app's code is the usual cause.{check.SoFar()}",
                    PageCheckFailure.TimedOut);
            }
            catch (Exception exception) when (exception is PlaywrightException or TimeoutException)
            {
                await check.CloseAsync(CloseGrace);
                if (attempt == 1 && !browser.IsConnected)
                {
                    // Chromium died after the last check, before Playwright had noticed: once more, on a new one.
                    continue;
                }

                // The page crashed or hung under the check.
                LogCheckFailed(logger, url, exception);
                throw new PageCheckException($"Kiln's browser failed while checking {url}: {FirstLine(exception.Message)}. Call check_app again.{check.SoFar()}", PageCheckFailure.BrowserFailed, exception);
            }
        }
    }

    /// <summary>Runs a check in <paramref name="browser"/>; when it is cancelled or runs out of time, abandons it.</summary>
    private async Task RunAsync(PageCheck check, IBrowser browser, Uri url, int width, CancellationToken cancellationToken)
    {
        var run = check.RunAsync(browser, ContextOptions(url, width), _options);
        try
        {
            await run.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await AbandonAsync(check, run);
            throw;
        }
    }

    private BrowserNewContextOptions ContextOptions(Uri url, int width) => new()
    {
        ViewportSize = new ViewportSize { Width = width, Height = ViewportHeight },
        DeviceScaleFactor = 1,
        ColorScheme = ColorScheme.Light,
        // Kiln on loopback may serve a development certificate.
        IgnoreHTTPSErrors = true,
        // A service worker's requests bypass the routes that keep a check on its origin.
        ServiceWorkers = ServiceWorkerPolicy.Block,
        AcceptDownloads = false,
        // The fence under the routes: whatever the routes do not see (WebSockets, workers' requests) goes to a proxy
        // that refuses every connection, except the preview's own host and port.
        Proxy = new Proxy
        {
            Server = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_fence!.Port}"),
            Bypass = string.Create(CultureInfo.InvariantCulture, $"{url.Host}:{url.Port}"),
        },
    };

    private async Task<IBrowser> StartAsync(CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(_options.StartTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return await StartOrReuseAsync(linked.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Another check held the gate (starting the browser, or killing a hung one) for the whole limit.
            throw new PageCheckException(
                $"Kiln's browser was not ready within {_options.StartTimeout.TotalSeconds:0} s (Kiln:Browser:StartTimeout). Call check_app again.",
                PageCheckFailure.NoBrowser);
        }
    }

    private async Task<IBrowser> StartOrReuseAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_browser is { IsConnected: true })
            {
                return _browser;
            }

            if (_browser is not null)
            {
                LogBrowserDied(logger);
                _browser = null;
            }

            if (!File.Exists(_options.ExecutablePath))
            {
                LogChromiumMissing(logger, _options.ExecutablePath);
                throw new PageCheckException(
                    $"Kiln's browser is not installed: there is no Chromium at {_options.ExecutablePath} (Kiln:Browser:ExecutablePath), so check_app cannot open the app. " +
                    $"Whoever runs Kiln installs it with `{InstallStep}` (or `bash scripts/start.sh`, which installs it). " +
                    "Until then, use build_project and check_server_status to find errors.",
                    PageCheckFailure.NoBrowser);
            }

            _fence ??= new RefusingPort();
            try
            {
                _playwright ??= await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = _options.ExecutablePath,
                    Headless = true,
                    Args = Arguments(),
                    Env = BrowserEnvironment(),
                    Timeout = (float)_options.StartTimeout.TotalMilliseconds,
                });
            }
            catch (PlaywrightException exception)
            {
                LogBrowserStartFailed(logger, exception);
                Forget();
                throw new PageCheckException($"Kiln's browser did not start: {FirstLine(exception.Message)}", PageCheckFailure.NoBrowser, exception);
            }

            LogBrowserStarted(logger, _options.ExecutablePath, _browser.Version);
            return _browser;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string[] Arguments() =>
    [
        "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--no-first-run", "--mute-audio",
        // Preview hosts go to the address Kiln listens on, without asking any resolver.
        $"--host-resolver-rules=MAP *.localhost {HostRuleAddress()}",
    ];

    private string HostRuleAddress()
    {
        var address = origin.LocalAddress();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }

    // Chromium runs the app's code: it gets Kiln's environment without Kiln's settings and secrets.
    private static Dictionary<string, string> BrowserEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry is { Key: string name, Value: string value } && !ChildEnvironment.IsForbidden(name))
            {
                environment[name] = value;
            }
        }

        return environment;
    }

    /// <summary>
    /// Ends a check that ran out of time or was cancelled: its context is closed, and when even that does not answer
    /// the browser is killed, to be started again by the next check.
    /// </summary>
    private async Task AbandonAsync(PageCheck check, Task run)
    {
        if (!await check.CloseAsync(CloseGrace))
        {
            LogBrowserUnresponsive(logger);
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                Forget();
            }
            finally
            {
                _gate.Release();
            }
        }

        try
        {
            // Closing the context (or the browser) ends whatever the check was waiting for.
            await run.WaitAsync(CloseGrace, time);
        }
        catch (Exception exception) when (exception is PlaywrightException or TimeoutException)
        {
            // The abandoned check's own failure says nothing new.
        }
    }

    // Disposing Playwright ends its driver, and Chromium with it (its pipe to the driver closes).
    private void Forget()
    {
        _browser = null;
        _playwright?.Dispose();
        _playwright = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (_browser is not null)
            {
                try
                {
                    await _browser.CloseAsync().WaitAsync(CloseGrace, time);
                }
                catch (Exception exception) when (exception is PlaywrightException or TimeoutException)
                {
                    // Gone already, or hung: disposing Playwright below ends it either way.
                }
            }

            Forget();
            _fence?.Dispose();
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Started Kiln's browser: {Executable} (Chromium {Version})")]
    private static partial void LogBrowserStarted(ILogger logger, string executable, string version);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "No Chromium at {Executable} (Kiln:Browser:ExecutablePath): check_app answers with the install step until one is installed")]
    private static partial void LogChromiumMissing(ILogger logger, string executable);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Kiln's browser did not start")]
    private static partial void LogBrowserStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Kiln's browser had died; starting it again")]
    private static partial void LogBrowserDied(ILogger logger);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "A check of {Url} did not finish within {Timeout}; abandoned")]
    private static partial void LogCheckTimedOut(ILogger logger, Uri url, TimeSpan timeout);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "A check of {Url} failed in the browser")]
    private static partial void LogCheckFailed(ILogger logger, Uri url, Exception exception);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Kiln's browser did not close an abandoned page in time; killed, to be started again by the next check")]
    private static partial void LogBrowserUnresponsive(ILogger logger);
}
