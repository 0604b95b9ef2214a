using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Offline;
using Kiln.Tests.WebUi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Preview;

/// <summary>
/// Select to edit, for real: the offline model's Vite + React app, scaffolded, installed and served by Kiln's tools,
/// whose dev server runs with Kiln's own config; its elements in Chromium carry where they are written while its files
/// and its build carry nothing; the UI's Select button turns a click in the preview into the prompt's location; and
/// no page but Kiln's UI can start select mode or hear its answer.
/// </summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed partial class SelectToEditTests(ViteKiln fixture, WebUi.Browser browser) : IClassFixture<ViteKiln>
{
    private const string Attribute = "data-kiln-source";

    private KilnApp Kiln => fixture.Kiln;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_vite_apps_elements_say_where_they_are_written_while_its_files_and_build_say_nothing()
    {
        await fixture.RequireAsync();
        var projectId = await fixture.WarmTodoAppAsync();
        var app = AppDirectory(projectId);
        var status = await Kiln.StatusAsync(projectId, Ct);
        Assert.True(status.GetProperty("selectMode").GetBoolean(), status.ToString());

        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync(status.GetProperty("previewUrl").GetString()!);
        await Expect(page.Locator("#add-form")).ToBeVisibleAsync();

        // Every tag names a line and column where that very element is written.
        var h1 = await page.Locator("h1").GetAttributeAsync(Attribute);
        Assert.Matches(@"^src/App\.tsx:\d+:\d+$", h1);
        AssertWrittenAt(app, h1!, "h1");
        var add = await page.Locator("#add-form button[type=submit]").GetAttributeAsync(Attribute);
        Assert.Matches(@"^src/components/TodoList\.tsx:\d+:\d+$", add);
        AssertWrittenAt(app, add!, "button");
        var tagged = await page.Locator($"[{Attribute}]").EvaluateAllAsync<string[]>($"nodes => nodes.map(n => n.getAttribute('{Attribute}'))");
        Assert.True(tagged.Length > 10, string.Join(", ", tagged));
        Assert.All(tagged, source => Assert.Matches(@"^src/[\w/.-]+\.tsx:\d+:\d+$", source));

        // The app's files, its vite.config.ts included, are as the scaffold and the agent wrote them.
        Assert.True(File.Exists(Path.Combine(app, "vite.config.ts")));
        Assert.Empty(FilesMentioning(app, Attribute));

        // A build reads the app's own config alone: no tags.
        await using (var mcp = await Kiln.ConnectMcpAsync(projectId))
        {
            var build = await mcp.CallToolAsync("build_project", new Dictionary<string, object?>(), cancellationToken: Ct);
            Assert.True(build.IsError is not true, JsonSerializer.Serialize(build));
        }

        var dist = Path.Combine(app, "dist");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dist, "assets"), "*.js"));
        Assert.Empty(FilesMentioning(dist, Attribute));
        // The other tests want the dev server's preview, not this build's.
        Directory.Delete(dist, recursive: true);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Select_in_the_ui_fills_the_prompt_with_the_clicked_elements_file_and_line_and_the_agent_gets_it()
    {
        await fixture.RequireAsync();
        var projectId = await fixture.WarmTodoAppAsync();
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        var frame = ui.PreviewFrame;
        await Expect(frame.Locator("#add-form")).ToBeVisibleAsync();
        var select = page.Locator(".preview-select");
        await Expect(select).ToBeVisibleAsync();

        // A click in select mode picks the element: the app's own handler never sees it.
        await select.ClickAsync();
        await Expect(select).ToHaveAttributeAsync("aria-pressed", "true");
        // The frame heard the UI (select mode's overlay is there): a pointer that moved before that went unseen.
        await Expect(frame.Locator("[data-kiln-overlay]")).ToHaveCountAsync(1);
        var doneFilter = frame.Locator("[data-filter=done]");
        var pressedBefore = await doneFilter.GetAttributeAsync("aria-pressed");
        await doneFilter.HoverAsync();
        await Expect(frame.Locator("[data-kiln-overlay]")).ToBeVisibleAsync();
        await doneFilter.ClickAsync();

        var prompt = page.Locator("#followup-prompt");
        await Expect(prompt).ToHaveValueAsync(new Regex(@"^In src/components/TodoList\.tsx:\d+ \(the <button> “Done[^”]*”\): $"));
        await Expect(select).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(frame.Locator("[data-kiln-overlay]")).ToHaveCountAsync(0);
        Assert.Equal(pressedBefore, await doneFilter.GetAttributeAsync("aria-pressed"));
        var location = PromptLocation().Match(await prompt.InputValueAsync());
        var source = await doneFilter.GetAttributeAsync(Attribute);
        Assert.StartsWith($"{location.Groups["file"].Value}:{location.Groups["line"].Value}:", source, StringComparison.Ordinal);

        // Esc leaves select mode without an answer.
        await select.ClickAsync();
        await Expect(select).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(frame.Locator("[data-kiln-overlay]")).ToHaveCountAsync(1);
        await frame.Locator("h1").HoverAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(select).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(frame.Locator("[data-kiln-overlay]")).ToHaveCountAsync(0);

        // What the person adds follows the location, and the agent gets both.
        await prompt.FocusAsync();
        await page.Keyboard.TypeAsync("make it green");
        var expected = await prompt.InputValueAsync();
        Assert.EndsWith("): make it green", expected, StringComparison.Ordinal);
        using var client = Kiln.Client();
        var before = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}", Ct)).GetProperty("prompts").GetArrayLength();
        await page.Keyboard.PressAsync("Control+Enter");
        var project = await Kiln.WaitForPromptsAsync(projectId, before + 1, TimeSpan.FromMinutes(3));
        Assert.Equal(expected, project.GetProperty("prompts").EnumerateArray().Last().GetProperty("text").GetString());
        ui.AssertHealthy();
    }

    [Fact]
    public async Task No_page_but_kilns_ui_can_start_select_mode_or_hear_where_an_element_is()
    {
        await fixture.RequireAsync();
        var projectId = await fixture.WarmTodoAppAsync();
        var previewUrl = new Uri((await Kiln.StatusAsync(projectId, Ct)).GetProperty("previewUrl").GetString()!);
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var context = ui.Page.Context;

        // The app itself (its own origin, which may frame itself) frames the preview and asks.
        var own = new Uri(previewUrl, "/__select-test");
        await context.RouteAsync(own.ToString(), route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = AttackerPage("/"),
        }));
        var page = ui.Page;
        await page.GotoAsync(own.ToString());
        var framed = page.FrameLocator("iframe");
        await Expect(framed.Locator("#add-form")).ToBeVisibleAsync();
        await AskAndWaitUntilHeardAsync(page, page.Frames.Single(frame => frame != page.MainFrame));
        await framed.Locator("h1").HoverAsync();
        await framed.Locator("h1").ClickAsync();
        await Expect(framed.Locator("[data-kiln-overlay]")).ToHaveCountAsync(0);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.heard.length"));

        // Another origin opens the preview in a window of its own and asks it.
        var other = $"http://elsewhere.localhost:{Kiln.BaseAddress.Port}/";
        await context.RouteAsync(other, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = OpenerPage(previewUrl.ToString()) }));
        await page.GotoAsync(other);
        var popupTask = page.Context.WaitForPageAsync();
        await page.EvaluateAsync("() => window.openIt()");
        var popup = await popupTask;
        await Expect(popup.Locator("#add-form")).ToBeVisibleAsync();
        await AskAndWaitUntilHeardAsync(page, popup.MainFrame);
        await popup.Locator("h1").HoverAsync();
        await popup.Locator("h1").ClickAsync();
        await Expect(popup.Locator("[data-kiln-overlay]")).ToHaveCountAsync(0);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.heard.length"));
        // Chromium sends the pointer to the page in front alone.
        await popup.CloseAsync();
        await page.BringToFrontAsync();

        // Kiln's UI, by contrast, is answered (the same steps, from the allowed origin, start select mode).
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.PreviewFrame.Locator("#add-form")).ToBeVisibleAsync();
        await page.Locator(".preview-select").ClickAsync();
        await Expect(ui.PreviewFrame.Locator("[data-kiln-overlay]")).ToHaveCountAsync(1);
        await ui.PreviewFrame.Locator("h1").HoverAsync();
        await Expect(ui.PreviewFrame.Locator("[data-kiln-overlay]")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(ui.PreviewFrame.Locator("[data-kiln-overlay]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_static_app_has_no_select_mode_and_the_ui_shows_no_select_button()
    {
        await fixture.RequireAsync();
        var projectId = await Kiln.CreateReadyProjectAsync("a static page");
        await File.WriteAllTextAsync(Path.Combine(AppDirectory(projectId), "index.html"), "<!doctype html><title>Static</title><h1>Static</h1>", Ct);
        Assert.False((await Kiln.StatusAsync(projectId, Ct)).GetProperty("selectMode").GetBoolean());

        // The page of a static project has no Select button, and its preview no tags.
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        await ui.Page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.Page.Locator("#project-title")).ToHaveTextAsync("a static page");
        await Expect(ui.Page.Locator(".preview-select")).ToBeHiddenAsync();
        await ui.Page.GotoAsync((await Kiln.StatusAsync(projectId, Ct)).GetProperty("previewUrl").GetString() ?? $"http://p-{projectId}.localhost:{Kiln.BaseAddress.Port}/");
        await Expect(ui.Page.Locator("h1")).ToHaveTextAsync("Static");
        Assert.DoesNotContain(Attribute, await ui.Page.ContentAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Has <paramref name="asker"/> post its request to the preview in <paramref name="preview"/>, and waits until the
    /// preview's window has had the message: its select script, listening since the page loaded, has acted on it by then.
    /// </summary>
    private static async Task AskAndWaitUntilHeardAsync(IPage asker, IFrame preview)
    {
        await preview.EvaluateAsync("() => { window.__heardAsk = false; addEventListener('message', () => window.__heardAsk = true); }");
        await asker.EvaluateAsync("() => window.ask()");
        await preview.WaitForFunctionAsync("() => window.__heardAsk");
    }

    /// <summary>A page that frames <paramref name="src"/>, asks it to start select mode (targetOrigin "*") and keeps whatever it is told.</summary>
    private static string AttackerPage(string src) => $$"""
        <!doctype html><title>framer</title>
        <iframe src="{{src}}" style="width:1000px;height:700px"></iframe>
        <script>
          window.heard = [];
          addEventListener("message", (event) => window.heard.push(event.data));
          window.ask = () => document.querySelector("iframe").contentWindow.postMessage({ type: "kiln:select" }, "*");
        </script>
        """;

    private static string OpenerPage(string url) => $$"""
        <!doctype html><title>opener</title>
        <script>
          window.heard = [];
          let opened = null;
          addEventListener("message", (event) => window.heard.push(event.data));
          window.openIt = () => { opened = window.open("{{url}}", "_blank"); };
          window.ask = () => opened.postMessage({ type: "kiln:select" }, "*");
        </script>
        """;

    private string AppDirectory(string projectId) => Kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);

    /// <summary>The line and column of <paramref name="source"/> (1-based) are where &lt;<paramref name="tag"/> is written in the app's file.</summary>
    private static void AssertWrittenAt(string app, string source, string tag)
    {
        var parts = source.Split(':');
        var lines = File.ReadAllLines(Path.Combine(app, parts[0]));
        var line = lines[int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) - 1];
        Assert.StartsWith($"<{tag}", line[(int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) - 1)..], StringComparison.Ordinal);
    }

    /// <summary>Files under <paramref name="directory"/> whose text has <paramref name="text"/>, leaving out node_modules and .git.</summary>
    private static List<string> FilesMentioning(string directory, string text) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Where(file => !file.Contains("/node_modules/", StringComparison.Ordinal) && !file.Contains("/.git/", StringComparison.Ordinal))
            .Where(file => File.ReadAllText(file).Contains(text, StringComparison.Ordinal))
            .ToList();

    [GeneratedRegex(@"^In (?<file>[^:]+):(?<line>\d+) ")]
    private static partial Regex PromptLocation();
}
