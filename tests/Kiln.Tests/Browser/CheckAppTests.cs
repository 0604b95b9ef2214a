using System.Globalization;
using System.Text.Json;
using Kiln.Preview;
using Kiln.Tests.Infrastructure;
using Kiln.Testing;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Browser;

/// <summary>
/// check_app against real Chromium and real Kestrel, on static apps (no dev server to wait for): what it reports,
/// what it refuses, and that the page it opens can reach nothing but its own origin.
/// </summary>
[Collection(KilnBrowser.Name)]
public sealed class CheckAppTests(CheckAppTests.SharedKiln shared) : IClassFixture<CheckAppTests.SharedKiln>
{
    /// <summary>One Kiln (and so one Chromium) for the class: starting the browser is the slow part.</summary>
    public sealed class SharedKiln : IAsyncLifetime
    {
        public BrowserHarness Harness { get; private set; } = null!;

        public ValueTask InitializeAsync()
        {
            Harness = BrowserHarness.Start();
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync() => await Harness.DisposeAsync();
    }

    private BrowserHarness Harness => shared.Harness;

    private int KilnPort => Harness.Kiln.BaseAddress.Port;

    private static Dictionary<string, string> Page(string body, string? script = null)
    {
        var files = new Dictionary<string, string>
        {
            ["index.html"] = $"<!doctype html><html><head><meta charset=\"utf-8\"><title>Test page</title></head><body>{body}{(script is null ? "" : "<script src=\"/app.js\"></script>")}</body></html>",
        };
        if (script is not null)
        {
            files["app.js"] = script;
        }

        return files;
    }

    [Fact]
    public async Task A_page_that_throws_is_reported_with_its_error_stack_console_and_failed_request_and_a_screenshot()
    {
        var project = await Harness.CreateProjectAsync(Page("<h1>Hello</h1><img src=\"/missing.png\" alt=\"\">", """
            console.warn("a warning from the app");
            console.error("an error the app logged");
            function renderList() { throw new Error("render exploded: items is undefined"); }
            renderList();
            """));

        var result = await project.CheckAsync();

        var text = ProjectToolset.TextOf(result);
        Assert.False(result.IsError == true, text);
        Assert.Contains("HTTP status: 200", text, StringComparison.Ordinal);
        Assert.Contains("Title: Test page", text, StringComparison.Ordinal);
        Assert.Contains("render exploded: items is undefined", text, StringComparison.Ordinal);
        Assert.Contains("renderList", text, StringComparison.Ordinal); // the stack
        Assert.Contains("app.js", text, StringComparison.Ordinal);
        Assert.Contains("an error the app logged", text, StringComparison.Ordinal);
        Assert.Contains("a warning from the app", text, StringComparison.Ordinal);
        Assert.Contains("/missing.png: 404", text, StringComparison.Ordinal);
        Assert.DoesNotContain("No errors", text, StringComparison.Ordinal);

        var image = Assert.Single(result.Content.OfType<ImageContentBlock>());
        Assert.Equal("image/png", image.MimeType);
        Assert.Equal((1280, 800), BrowserHarness.PngSize(image.DecodedData.Span));
        Assert.IsType<TextContentBlock>(result.Content[0]);

        var checkedEvent = Assert.Single(await project.EventsAsync(), e => e.Type == "app_checked").Data;
        Assert.Equal("/", checkedEvent.GetProperty("path").GetString());
        Assert.Equal(200, checkedEvent.GetProperty("status").GetInt32());
        Assert.True(checkedEvent.GetProperty("errors").GetInt32() >= 3, checkedEvent.ToString());
        Assert.True(checkedEvent.GetProperty("durationMs").GetInt64() > 0);
    }

    [Fact]
    public async Task A_clean_page_says_so_at_the_width_asked_for()
    {
        var project = await Harness.CreateProjectAsync(Page("<h1>All good</h1>", "document.title = 'Rendered';"));

        var result = await project.CheckAsync("/index.html?from=test", width: 390);

        var text = ProjectToolset.TextOf(result);
        Assert.False(result.IsError == true, text);
        Assert.Contains("Title: Rendered", text, StringComparison.Ordinal);
        Assert.Contains("No errors", text, StringComparison.Ordinal);
        Assert.Contains("/index.html?from=test", text, StringComparison.Ordinal);
        Assert.Equal((390, 800), BrowserHarness.PngSize(Assert.Single(result.Content.OfType<ImageContentBlock>()).DecodedData.Span));
    }

    [Fact]
    public async Task The_check_waits_for_data_the_page_fetches_after_its_first_render()
    {
        var project = await Harness.CreateProjectAsync(Page("<h1>Loading…</h1>", """
            setTimeout(async () => {
              const response = await fetch("/data/tasks.json");
              document.querySelector("h1").textContent = response.ok ? "Loaded" : "Could not load the tasks";
            }, 150);
            """));

        var result = await project.CheckAsync();

        var text = ProjectToolset.TextOf(result);
        Assert.Contains("/data/tasks.json: 404", text, StringComparison.Ordinal);
        Assert.DoesNotContain("never went quiet", text, StringComparison.Ordinal);
    }

    [Fact]
    [Slow]
    public async Task A_page_that_never_stops_fetching_is_shown_as_it_is_when_the_settle_time_runs_out()
    {
        var project = await Harness.CreateProjectAsync(Page("<h1>Polling</h1>", """
            // Three chains of requests, each starting the next 50 ms after the last ended: never 250 ms without one,
            // even when a loaded machine delays the page's timers or the browser's events (a lone 100 ms interval
            // once left a gap that long on CI).
            for (let chain = 0; chain < 3; chain++) {
              (async () => {
                if (chain > 0) await new Promise((resolve) => setTimeout(resolve, chain * 20));
                for (;;) {
                  await fetch("/app.js?poll=" + chain + "-" + Date.now()).catch(() => {});
                  await new Promise((resolve) => setTimeout(resolve, 50));
                }
              })();
            }
            """));

        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await project.CheckAsync();

        var text = ProjectToolset.TextOf(result);
        Assert.False(result.IsError == true, text);
        Assert.Contains("never went quiet", text, StringComparison.Ordinal);
        // The default settle time (5 s), not the check's limit (30 s).
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"The check took {started.Elapsed.TotalSeconds:0.0} s.");
    }

    [Fact]
    public async Task The_page_reaches_nothing_but_its_own_origin_not_the_api_another_project_or_kilns_event_socket()
    {
        var other = await Harness.CreateProjectAsync(Page("<h1>Another project</h1>"));
        var script = """
            const results = {};
            const attempt = async (name, url) => {
              try {
                const response = await fetch(url);
                const body = await response.text();
                results[name] = response.status + (body.includes("OTHER") ? ":leaked" : ":no-data");
              } catch {
                results[name] = "failed";
              }
            };
            const socket = (name, url) => new Promise((resolve) => {
              const ws = new WebSocket(url);
              ws.onopen = () => { results[name] = "open"; resolve(); };
              ws.onerror = () => { results[name] = "failed"; resolve(); };
            });
            Promise.all([
              attempt("api-by-ip", "http://127.0.0.1:PORT/api/projects"),
              attempt("api-by-name", "http://localhost:PORT/api/projects"),
              attempt("other-preview", "http://p-OTHER.localhost:PORT/"),
              attempt("own-origin-api", "/api/projects"),
              socket("events-socket", "ws://127.0.0.1:PORT/ws/OTHER"),
            ]).then(() => { document.title = JSON.stringify(results); });
            """.Replace("PORT", KilnPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("OTHER", other.Id, StringComparison.Ordinal);
        var project = await Harness.CreateProjectAsync(Page("<h1>Curious</h1>", script));

        var result = await project.CheckAsync();

        var text = ProjectToolset.TextOf(result);
        Assert.False(result.IsError == true, text);
        var title = text.Split('\n').Single(line => line.StartsWith("Title: ", StringComparison.Ordinal))["Title: ".Length..];
        var outcomes = JsonSerializer.Deserialize<Dictionary<string, string>>(title)!;
        Assert.Equal("failed", outcomes["api-by-ip"]);
        Assert.Equal("failed", outcomes["api-by-name"]);
        Assert.Equal("failed", outcomes["other-preview"]);
        Assert.Equal("failed", outcomes["events-socket"]);
        // On its own origin /api is the app's path (a file it does not have), never Kiln's API.
        Assert.Equal("404:no-data", outcomes["own-origin-api"]);
        Assert.Contains($"GET http://127.0.0.1:{KilnPort}/api/projects: blocked", text, StringComparison.Ordinal);
        Assert.Contains($"GET http://p-{other.Id}.localhost:{KilnPort}/: blocked", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/")]
    [InlineData("https://example.com/")]
    [InlineData("//example.com/page")]
    [InlineData("/\\example.com/page")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("data:text/html,<h1>hi</h1>")]
    public async Task A_path_off_the_apps_own_origin_is_an_error_result_and_opens_nothing(string path)
    {
        var project = await Harness.CreateProjectAsync(Page("<h1>Mine</h1>"));

        var result = await project.CallAsync("check_app", new { path });

        Assert.True(result.IsError);
        var text = ProjectToolset.TextOf(result);
        Assert.Contains("opens only this app's own preview", text, StringComparison.Ordinal);
        Assert.Contains($"p-{project.Id}.localhost:{KilnPort}", text, StringComparison.Ordinal);
        Assert.DoesNotContain(await project.EventsAsync(), e => e.Type == "app_checked");
    }

    [Fact]
    public async Task The_apps_own_preview_url_may_be_given_whole()
    {
        var project = await Harness.CreateProjectAsync(Page("<h1>Mine</h1>"));
        var url = Harness.Kiln.Services.GetRequiredService<PreviewOrigin>().UrlFor(project.Id);

        var result = await project.CheckAsync(new Uri(url, "index.html#top").ToString());

        Assert.False(result.IsError == true, ProjectToolset.TextOf(result));
        Assert.Contains("Checked /index.html#top", ProjectToolset.TextOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dev_server_app_whose_server_is_not_running_is_told_to_start_it()
    {
        var project = await Harness.CreateProjectAsync(new Dictionary<string, string>
        {
            ["package.json"] = """{ "name": "app", "private": true, "scripts": { "dev": "vite" } }""",
            ["node_modules/.keep"] = "",
        });

        var result = await project.CallAsync("check_app");

        Assert.True(result.IsError);
        Assert.Contains("call start_dev_server first", ProjectToolset.TextOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_app_is_told_what_to_write()
    {
        var project = await Harness.CreateProjectAsync(new Dictionary<string, string>());

        var result = await project.CallAsync("check_app");

        Assert.True(result.IsError);
        Assert.Contains("no index.html and no package.json", ProjectToolset.TextOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_width_out_of_range_is_an_error_result()
    {
        var project = await Harness.CreateProjectAsync(Page("<h1>Mine</h1>"));

        var result = await project.CallAsync("check_app", new { width = 20 });

        Assert.True(result.IsError);
        Assert.Contains("width must be between", ProjectToolset.TextOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_browser_is_started_again_when_it_died()
    {
        // Kiln's Chromium is told apart from every other (the tests' own, another test's Kiln) by a marker argument
        // that a wrapper of the real executable adds.
        var marker = $"--kiln-test-marker={Guid.NewGuid():N}";
        var directory = TempDirectory.Create("kiln-chromium-wrapper");
        try
        {
            var wrapper = Path.Combine(directory, "chromium");
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec '{Requires.Chromium()}' {marker} \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await using var harness = BrowserHarness.Start(new Dictionary<string, string?> { ["Kiln:Browser:ExecutablePath"] = wrapper });
            var project = await harness.CreateProjectAsync(Page("<h1>Twice</h1>"));
            Assert.False((await project.CheckAsync()).IsError == true);

            var killed = KillBrowser(marker);
            Assert.NotEmpty(killed);

            var again = await project.CheckAsync();
            Assert.False(again.IsError == true, ProjectToolset.TextOf(again));
            Assert.Contains("No errors", ProjectToolset.TextOf(again), StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    [Fact]
    public async Task Without_chromium_check_app_names_the_install_step()
    {
        await using var harness = BrowserHarness.Start(new Dictionary<string, string?> { ["Kiln:Browser:ExecutablePath"] = "/nonexistent/chromium" });
        var project = await harness.CreateProjectAsync(Page("<h1>Unseen</h1>"));

        var result = await project.CallAsync("check_app");

        Assert.True(result.IsError);
        var text = ProjectToolset.TextOf(result);
        Assert.Contains("apt-get install chromium", text, StringComparison.Ordinal);
        Assert.Contains("scripts/start.sh", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_stuck_in_an_endless_loop_is_abandoned_at_the_timeout_and_the_next_check_works()
    {
        await using var harness = BrowserHarness.Start(new Dictionary<string, string?> { ["Kiln:Browser:CheckTimeout"] = "00:00:04" });
        // The loop starts one task later: a renderer that never returns to its event loop may never send what it logged.
        var stuck = await harness.CreateProjectAsync(Page("<h1>Spinning</h1>", "console.error('about to spin'); setTimeout(() => { for (;;) {} }, 0);"));
        var fine = await harness.CreateProjectAsync(Page("<h1>Fine</h1>"));

        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await stuck.CheckAsync();
        var took = started.Elapsed;

        Assert.True(result.IsError);
        var text = ProjectToolset.TextOf(result);
        Assert.Contains("did not finish within 4 s", text, StringComparison.Ordinal);
        Assert.Contains("about to spin", text, StringComparison.Ordinal);
        // The timeout, plus the browser's start and the grace given to close the page.
        Assert.True(took < TimeSpan.FromSeconds(20), $"The check took {took.TotalSeconds:0.0} s.");

        var next = await fine.CheckAsync();
        Assert.False(next.IsError == true, ProjectToolset.TextOf(next));
        Assert.Contains("No errors", ProjectToolset.TextOf(next), StringComparison.Ordinal);
    }

    /// <summary>Kills the main process of the Chromium started with <paramref name="marker"/> (its helpers go with it).</summary>
    private static List<int> KillBrowser(string marker)
    {
        var killed = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ProcessTable.CommandLine(pid) is var commandLine
                && commandLine.Contains(marker, StringComparison.Ordinal)
                && !commandLine.Contains("--type=", StringComparison.Ordinal)
                && !commandLine.StartsWith("/bin/sh", StringComparison.Ordinal))
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                    killed.Add(pid);
                }
                catch (ArgumentException)
                {
                    // It ended on its own meanwhile.
                }
            }
        }

        return killed;
    }
}

/// <summary>Tests that start Kiln's browser run one at a time: browsers started side by side on a small machine make each other's timeouts.</summary>
[CollectionDefinition(Name)]
public sealed class KilnBrowser
{
    public const string Name = "Kiln's browser";
}
