using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Offline;
using Kiln.Testing;

namespace Kiln.Tests.Offline;

/// <summary>
/// A planned app served over HTTP and driven by headless Chromium. Each <see cref="Run"/> loads the page in a fresh
/// browser (same profile and origin, so localStorage carries over like a reload), runs a test script after app.js,
/// and returns what the script reported, with any page errors and alert() calls.
/// </summary>
internal sealed partial class AppInBrowser : IAsyncDisposable
{
    private const string AppScript = "<script src=\"app.js\" defer></script>";

    // Loaded before app.js: records errors and alert() calls, and answers confirm() with OK.
    private const string Watcher = """
        window.__kiln = { errors: [], alerts: [] };
        window.addEventListener("error", (event) => window.__kiln.errors.push(String(event.message)));
        window.addEventListener("unhandledrejection", (event) => window.__kiln.errors.push(String(event.reason)));
        window.alert = (message) => window.__kiln.alerts.push(String(message));
        window.confirm = () => true;
        """;

    private const string Helpers = """
        const $ = (selector) => document.querySelector(selector);
        const $$ = (selector) => [...document.querySelectorAll(selector)];
        const texts = (selector) => $$(selector).map((element) => element.textContent.trim());
        const text = (selector) => $(selector).textContent.trim();
        const click = (selector) => $(selector).click();
        const type = (selector, value) => {
          const field = $(selector);
          field.value = value;
          field.dispatchEvent(new Event("input", { bubbles: true }));
          field.dispatchEvent(new Event("change", { bubbles: true }));
        };
        const submit = (selector) => $(selector).requestSubmit();
        const press = (key) => document.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
        """;

    private readonly string _chromium;
    private readonly AppFolder _app;
    private readonly StaticSite _site;
    private readonly DirectoryInfo _profile;

    private AppInBrowser(string chromium, AppFolder app, StaticSite site)
    {
        _chromium = chromium;
        _app = app;
        _site = site;
        _profile = Directory.CreateTempSubdirectory("kiln-chromium-");
    }

    public OfflineAppPlan Plan { get; private init; } = null!;

    public static async Task<AppInBrowser> Open(params string[] prompts)
    {
        var chromium = Requires.Chromium();
        var plan = OfflineAppPlanner.Plan(prompts);
        var app = new AppFolder(plan);
        var html = app.Read("index.html");
        Assert.Contains(AppScript, html, StringComparison.Ordinal);
        app.Write("kiln-watch.js", Watcher);
        app.Write("index.html", html.Replace(AppScript,
            "<script src=\"kiln-watch.js\"></script>" + AppScript + "<script src=\"kiln-test.js\" defer></script>", StringComparison.Ordinal));
        return new AppInBrowser(chromium, app, await StaticSite.Serve(app.Path)) { Plan = plan };
    }

    /// <summary>Loads the app and runs <paramref name="test"/>, which fills in the object <c>result</c>.</summary>
    public async Task<JsonElement> Run(string test)
    {
        _app.Write("kiln-test.js", $$"""
            "use strict";
            (() => {
              {{Helpers}}
              const result = {};
              try {
                {{test}}
              } catch (error) {
                window.__kiln.errors.push("test script: " + error.message);
              }
              result.errors = window.__kiln.errors;
              result.alerts = window.__kiln.alerts;
              const report = document.createElement("pre");
              report.id = "kiln-result";
              report.textContent = JSON.stringify(result);
              document.body.append(report);
            })();
            """);
        var chromium = await ExternalProgram.RunAsync(_chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={_profile.FullName}",
            "--dump-dom", _site.Url,
        ], TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        var match = Result().Match(chromium.Output);
        Assert.True(match.Success, $"The page reported no result. Chromium said:\n{chromium.Errors}\nDOM:\n{chromium.Output}");
        var result = JsonDocument.Parse(WebUtility.HtmlDecode(match.Groups[1].Value)).RootElement.Clone();
        Assert.Empty(result.GetProperty("errors").EnumerateArray());
        Assert.Empty(result.GetProperty("alerts").EnumerateArray());
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _site.DisposeAsync();
        _app.Dispose();
        _profile.Delete(recursive: true);
    }

    [GeneratedRegex("<pre id=\"kiln-result\">(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex Result();
}
