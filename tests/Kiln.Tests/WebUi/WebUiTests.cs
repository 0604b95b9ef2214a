using System.Net;
using Kiln.Offline;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.WebUi;

/// <summary>One Kiln with the offline model for the class.</summary>
public sealed class OfflineKiln : IAsyncLifetime
{
    public KilnApp Kiln { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Kiln = KilnApp.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await Kiln.DisposeAsync();
}

/// <summary>Kiln's web UI in Chromium, building apps with the offline model the way a person would.</summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed class WebUiTests(OfflineKiln fixture, Browser browser) : IClassFixture<OfflineKiln>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private KilnApp Kiln => fixture.Kiln;

    [Fact]
    public async Task A_typed_prompt_builds_an_app_with_a_live_timeline_files_and_preview()
    {
        const string prompt = "a todo list for my groceries";
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");

        // Keyboard only: the prompt has focus, Ctrl+Enter sends.
        await Expect(page.Locator("#new-prompt")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(prompt);
        await page.Keyboard.PressAsync("Control+Enter");
        var projectId = await ui.ProjectIdAsync();

        await Expect(ui.Timeline.Locator(".ev-prompt .bubble-text")).ToHaveTextAsync(prompt);
        await Expect(ui.Timeline.Locator(".ev-agent").First).ToContainTextAsync("I'll build");
        await Expect(ui.Timeline.Locator(".ev-agent .md strong").First).ToBeVisibleAsync(); // Markdown, rendered
        await Expect(ui.Timeline.Locator(".ev-tool .tool-name").First).ToHaveTextAsync("write_file");
        await Expect(ui.Timeline.Locator(".ev-file_created")).ToHaveCountAsync(3);
        await Expect(ui.Timeline.Locator(".callout-success")).ToContainTextAsync("Done");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready");
        await Expect(page.Locator(".project-usage")).ToContainTextAsync("tokens");

        var title = OfflineAppPlanner.Plan([prompt]).Title;
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync(title);
        // The app runs on its own origin, never the API's.
        var previewOrigin = $"http://p-{projectId}.localhost:{Kiln.BaseAddress.Port}/";
        await Expect(page.Locator(".preview-url")).ToContainTextAsync($"p-{projectId}.localhost:{Kiln.BaseAddress.Port}/");
        await Expect(page.Locator(".preview-open")).ToHaveAttributeAsync("href", previewOrigin);
        await Expect(page.Locator("#download")).ToHaveAttributeAsync("href", $"/api/projects/{projectId}/download");
        await ui.ScreenshotAsync("project-ready");

        await AssertNoGapOrDuplicateAsync(ui, projectId);

        await page.Locator("#tab-code").ClickAsync();
        await Expect(page.Locator(".tree-file .tree-name")).ToHaveTextAsync(["app.js", "index.html", "styles.css"]);
        await page.Locator(".tree-file", new() { HasText = "app.js" }).ClickAsync();
        await Expect(page.Locator(".file-path")).ToHaveTextAsync("app.js");
        await Expect(page.Locator(".code-editor .tok-keyword").First).ToBeVisibleAsync();
        await Expect(page.Locator(".code-editor .cm-lineNumbers")).ToContainTextAsync("20");
        // A file named in the timeline opens in the viewer.
        await page.Locator("#timeline .ev-file_created .file-name", new() { HasText = "index.html" }).ClickAsync();
        await Expect(page.Locator(".file-path")).ToHaveTextAsync("index.html");
        await Expect(page.Locator(".code-editor .tok-tag").First).ToBeVisibleAsync();
        await ui.ScreenshotAsync("project-code");
        await page.EmulateMediaAsync(new() { ColorScheme = Microsoft.Playwright.ColorScheme.Dark });
        await ui.ScreenshotAsync("project-code-dark");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task A_file_edited_in_the_code_panel_is_saved_with_ctrl_s_and_a_change_underneath_is_a_conflict_to_settle()
    {
        const string prompt = "a reading list for the summer";
        var projectId = await Kiln.GenerateAsync(prompt);
        await Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        var title = OfflineAppPlanner.Plan([prompt]).Title;
        using var api = Kiln.Client();
        var fileUrl = $"/api/projects/{projectId}/files/index.html";
        var original = await api.GetStringAsync(fileUrl);
        Assert.Contains($"<h1>{title}</h1>", original, StringComparison.Ordinal);

        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync(title);
        await page.Locator("#tab-code").ClickAsync();
        await page.Locator(".tree-file", new() { HasText = "index.html" }).ClickAsync();
        var editor = page.Locator(".code-editor .cm-content");
        await Expect(editor).ToContainTextAsync(title);
        await Expect(page.Locator(".file-dirty")).ToBeHiddenAsync();

        // Edit, see it marked unsaved, save with Ctrl+S: the file and the running app have it.
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        var edited = original.Replace($"<h1>{title}</h1>", "<h1>Edited by hand</h1>", StringComparison.Ordinal);
        await page.Keyboard.InsertTextAsync(edited);
        await Expect(page.Locator(".file-dirty")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".file-dirty")).ToBeHiddenAsync();
        Assert.Equal(edited, await api.GetStringAsync(fileUrl)); // byte for byte: the editor adds and drops nothing
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Edited by hand");
        await Expect(page.Locator(".file-conflict")).ToHaveCountAsync(0); // its own save is no conflict

        // Unsaved edits while the file changes underneath (another tab, the agent): the person chooses.
        async Task ChangeUnderneathAsync(string heading)
        {
            using var current = await api.GetAsync(fileUrl);
            var text = await current.Content.ReadAsStringAsync();
            using var put = new HttpRequestMessage(HttpMethod.Put, fileUrl)
            {
                Content = new StringContent(System.Text.RegularExpressions.Regex.Replace(text, "<h1>[^<]*</h1>", $"<h1>{heading}</h1>")),
            };
            put.Headers.IfMatch.Add(current.Headers.ETag!);
            using var written = await api.SendAsync(put);
            Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        }

        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.InsertTextAsync("<!-- mine -->\n");
        await Expect(page.Locator(".file-dirty")).ToBeVisibleAsync();
        await ChangeUnderneathAsync("From another tab");
        await Expect(page.Locator(".file-conflict")).ToContainTextAsync("changed since you opened it");
        // A save now would overwrite the other change: refused (412), the choice stays.
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".file-conflict")).ToBeVisibleAsync();
        await Expect(page.Locator(".file-dirty")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("editor-conflict");
        await page.Locator(".file-overwrite").ClickAsync();
        await Expect(page.Locator(".file-conflict")).ToHaveCountAsync(0);
        await Expect(page.Locator(".file-dirty")).ToBeHiddenAsync();
        var mine = await api.GetStringAsync(fileUrl);
        Assert.Contains("<!-- mine -->", mine, StringComparison.Ordinal);
        Assert.Contains("<h1>Edited by hand</h1>", mine, StringComparison.Ordinal);

        // The other choice: reload drops the edits and shows the file as it is now.
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.InsertTextAsync("<!-- dropped -->\n");
        await ChangeUnderneathAsync("Theirs");
        await page.Locator(".file-reload").ClickAsync();
        await Expect(editor).ToContainTextAsync("<h1>Theirs</h1>");
        await Expect(editor).Not.ToContainTextAsync("dropped");
        await Expect(page.Locator(".file-dirty")).ToBeHiddenAsync();
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Unsaved_edits_are_not_dropped_by_opening_another_file_or_leaving_without_asking()
    {
        var projectId = await Kiln.GenerateAsync("a tea timer");
        await Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await page.Locator("#tab-code").ClickAsync();
        await page.Locator(".tree-file", new() { HasText = "index.html" }).ClickAsync();
        var editor = page.Locator(".code-editor .cm-content");
        await Expect(editor).ToContainTextAsync("<html");
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.InsertTextAsync("<!-- not saved yet -->\n");
        await Expect(page.Locator(".file-dirty")).ToBeVisibleAsync();
        var dialog = page.Locator("#confirm-dialog");

        // Another file: asked first; keeping the edits keeps the file open with them.
        var other = page.Locator(".tree-file", new() { HasNotText = "index.html" }).First;
        await other.ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("index.html");
        await page.Locator("#confirm-cancel").ClickAsync();
        await Expect(page.Locator(".file-path")).ToHaveTextAsync("index.html");
        await Expect(editor).ToContainTextAsync("not saved yet");

        // All projects: asked too, and the page stays.
        await page.Locator("a.brand").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.Locator("#confirm-cancel").ClickAsync();
        Assert.EndsWith($"/projects/{projectId}", page.Url, StringComparison.Ordinal);
        await Expect(editor).ToContainTextAsync("not saved yet");

        // Closing the tab: the browser's own question.
        var asked = new TaskCompletionSource<string>();
        page.Dialog += (_, question) =>
        {
            asked.TrySetResult(question.Type);
            _ = question.DismissAsync();
        };
        await page.CloseAsync(new() { RunBeforeUnload = true });
        Assert.Equal("beforeunload", await asked.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // Dropping them is a choice: then the other file opens, and nothing was written.
        await other.ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator(".file-path")).Not.ToHaveTextAsync("index.html");
        using var api = Kiln.Client();
        Assert.DoesNotContain("not saved yet", await api.GetStringAsync($"/api/projects/{projectId}/files/index.html"), StringComparison.Ordinal);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task A_follow_up_changes_the_app_in_the_preview()
    {
        const string first = "a counter for push-ups";
        const string change = "make it dark and call it Reps";
        var projectId = await Kiln.GenerateAsync(first);
        await Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync(OfflineAppPlanner.Plan([first]).Title);

        await page.Locator("#followup-prompt").FocusAsync();
        await page.Keyboard.TypeAsync(change);
        await page.Keyboard.PressAsync("Control+Enter");

        await Expect(ui.Timeline.Locator(".ev-prompt .bubble-text").Nth(1)).ToHaveTextAsync(change);
        await Expect(ui.Timeline.Locator(".callout-success")).ToHaveCountAsync(2);
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync(OfflineAppPlanner.Plan([first, change]).Title);
        await Expect(ui.PreviewFrame.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.Locator("#followup-prompt")).ToHaveValueAsync("");
        await ui.ScreenshotAsync("follow-up");
        await AssertNoGapOrDuplicateAsync(ui, projectId);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Publish_shows_the_live_url_and_the_releases_and_activate_rolls_back()
    {
        const string prompt = "a recipe box for my soups";
        var projectId = await Kiln.GenerateAsync(prompt);
        await Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready");
        await Expect(page.Locator("#site-link")).ToBeHiddenAsync();

        await page.Locator("#publish").ClickAsync();
        var panel = page.Locator("#site-panel");
        await Expect(panel).ToContainTextAsync("Not published yet");
        await panel.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Publish now" }).ClickAsync();

        // The site is on its own origin, never the API's or the preview's.
        var siteUrl = $"http://s-{projectId}.localhost:{Kiln.BaseAddress.Port}/";
        await Expect(panel.Locator(".site-url")).ToHaveAttributeAsync("href", siteUrl);
        await Expect(page.Locator("#site-link")).ToHaveAttributeAsync("href", siteUrl);
        await Expect(page.Locator("#site-link")).ToContainTextAsync($"s-{projectId}.localhost");
        await Expect(panel.Locator(".release")).ToHaveCountAsync(1);
        await Expect(panel.Locator(".site-serving")).ToHaveTextAsync("Release 1, built from version 1");
        await Expect(panel).Not.ToContainTextAsync("null");

        await panel.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Publish again" }).ClickAsync();
        await Expect(panel.Locator(".release")).ToHaveCountAsync(2);
        await Expect(panel.Locator(".release-active")).ToHaveAttributeAsync("data-release", "2");
        await ui.ScreenshotAsync("publish-releases");

        await panel.Locator(".release[data-release='1']").GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Activate" }).ClickAsync();
        await Expect(panel.Locator(".release-active")).ToHaveAttributeAsync("data-release", "1");
        await Expect(ui.Timeline.Locator("[data-type='published']")).ToHaveCountAsync(3);

        var site = await page.Context.NewPageAsync();
        await site.GotoAsync(siteUrl);
        await Expect(site.Locator("h1")).ToHaveTextAsync(OfflineAppPlanner.Plan([prompt]).Title);
        await site.CloseAsync();

        await panel.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Take down" }).ClickAsync();
        await Expect(page.Locator("#site-link")).ToBeHiddenAsync();
        await Expect(panel).ToContainTextAsync("The site is down");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Deleting_a_project_from_the_list_or_its_page_removes_it()
    {
        var fromList = await Kiln.GenerateAsync("a simple calculator");
        var fromPage = await Kiln.GenerateAsync("a pomodoro timer");
        await Kiln.WaitForStatusAsync(fromList, Timeout, "ready");
        await Kiln.WaitForStatusAsync(fromPage, Timeout, "ready");
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");

        var card = page.Locator($"[data-project-id='{fromList}']");
        await Expect(card.Locator(".card-prompt")).ToHaveTextAsync("a simple calculator");
        await Expect(card.Locator(".pill")).ToHaveTextAsync("Ready");
        await Expect(card.Locator("time")).ToHaveTextAsync("just now");
        await card.Locator(".card-delete").ClickAsync();
        await Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        await Expect(page.Locator("#confirm-cancel")).ToBeFocusedAsync(); // the safe choice by default
        await ui.ScreenshotAsync("delete-confirm");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(card).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, await StatusCodeAsync($"/api/projects/{fromList}"));

        await page.Locator($"[data-project-id='{fromPage}'] .card-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(Kiln.BaseAddress, $"/projects/{fromPage}").ToString());
        await page.Locator("#delete").ClickAsync();
        await page.Keyboard.PressAsync("Escape"); // changed my mind
        await Expect(page.Locator("#confirm-dialog")).Not.ToBeVisibleAsync();
        await page.Locator("#delete").ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(Kiln.BaseAddress, "/").ToString());
        await Expect(page.Locator(".toast").Last).ToHaveTextAsync("Project deleted.");
        await Expect(page.Locator($"[data-project-id='{fromPage}']")).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, await StatusCodeAsync($"/api/projects/{fromPage}"));

        // A link to a deleted project says so.
        await page.GotoAsync($"/projects/{fromPage}");
        await Expect(page.Locator(".missing h1")).ToHaveTextAsync("This project isn't here");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task At_phone_width_one_panel_shows_at_a_time_and_tabs_work_by_keyboard()
    {
        const string prompt = "a landing page for my bakery called Crumb & Co";
        var projectId = await Kiln.GenerateAsync(prompt);
        await Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress, width: 390, height: 844);
        var page = ui.Page;

        await page.GotoAsync("/");
        await Expect(page.Locator($"[data-project-id='{projectId}']")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("phone-home");

        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.Locator("#panel-chat")).ToBeVisibleAsync();
        await Expect(page.Locator("#panel-preview")).ToBeHiddenAsync();
        await Expect(ui.Timeline.Locator(".callout-success")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("phone-timeline");

        await page.Locator("#tab-chat").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#tab-preview")).ToBeFocusedAsync();
        await Expect(page.Locator("#tab-preview")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#panel-chat")).ToBeHiddenAsync();
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Crumb & Co");
        await ui.ScreenshotAsync("phone-preview");

        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#panel-code")).ToBeVisibleAsync();
        await Expect(page.Locator(".tree-file")).ToHaveCountAsync(3);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task A_kiln_with_a_token_asks_for_it_once_and_then_works()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = "let-me-in" });
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");

        await Expect(page.Locator("#token-dialog")).ToBeVisibleAsync();
        await page.Locator("#token-input").FillAsync("wrong");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#token-error")).ToHaveTextAsync("That token was not accepted.");
        await page.Locator("#token-input").FillAsync("let-me-in");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#projects-empty")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("home-empty");

        // The WebSocket carries the token too: the generation streams in.
        await page.Locator("[data-idea='A simple calculator']").ClickAsync();
        await Expect(page.Locator("#new-prompt")).ToHaveValueAsync("A simple calculator");
        await page.Locator("#new-submit").ClickAsync();
        await Expect(ui.Timeline.Locator(".callout-success")).ToContainTextAsync("Done");
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
        await Expect(page.Locator("#token-dialog")).Not.ToBeVisibleAsync();
        ui.AssertHealthy();
    }

    [Fact]
    public async Task An_empty_prompt_is_not_sent_and_says_what_to_write()
    {
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");
        await page.Locator("#new-submit").ClickAsync();
        await Expect(page.Locator("#new-error")).ToContainTextAsync("Describe the app to build first");
        await Expect(page).ToHaveURLAsync(new Uri(Kiln.BaseAddress, "/").ToString());
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Event_types_yet_to_come_render_generically()
    {
        var projectId = await Kiln.GenerateAsync("a tally counter");
        await Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        // A newer Kiln's stream, which only a newer Kiln can send: the page's WebSocket answered by the test.
        string Event(int seq, string type, object data) => System.Text.Json.JsonSerializer.Serialize(
            new { seq, type, projectId, at = DateTimeOffset.UtcNow, data }, System.Text.Json.JsonSerializerOptions.Web);
        await ui.Page.RouteWebSocketAsync($"**/ws/{projectId}*", socket =>
        {
            socket.Send(Event(1, "command_output", new { command = "pnpm install", stream = "stdout", text = "Packages: +12\n" }));
            socket.Send(Event(2, "command_output", new { command = "pnpm install", stream = "stderr", text = "WARN deprecated\n" }));
            socket.Send(Event(3, "server_started", new { url = "http://127.0.0.1:5173", port = 5173 }));
            socket.Send(Event(4, "preview_ready", new { url = $"/api/projects/{projectId}/preview/" }));
            socket.Send(Event(5, "something_new", new { detail = "<b>kept as text</b>" }));
            socket.Send(Event(5, "something_new", new { detail = "a duplicate, ignored" }));
        });
        await ui.Page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.Timeline.Locator("[data-seq='5']")).ToBeVisibleAsync();
        var rendered = await ui.Page.EvaluateAsync<System.Text.Json.JsonElement>("""
            () => {
              const list = document.getElementById("timeline");
              return {
                items: list.children.length,
                seqs: [...list.querySelectorAll("[data-seq]")].map((node) => Number(node.dataset.seq)),
                fold: list.querySelector(".output-fold summary").textContent,
                foldOpen: list.querySelector(".output-fold").open,
                stderr: list.querySelector(".output .stderr").textContent,
                server: list.children[1].textContent,
                preview: list.children[2].textContent,
                unknown: list.children[3].textContent,
                bold: list.querySelectorAll("b").length,
              };
            }
            """);

        Assert.Equal(4, rendered.GetProperty("items").GetInt32()); // both outputs of the command in one fold
        Assert.Equal([1, 2, 3, 4, 5], rendered.GetProperty("seqs").EnumerateArray().Select(seq => seq.GetInt32()));
        Assert.Contains("pnpm install", rendered.GetProperty("fold").GetString(), StringComparison.Ordinal);
        Assert.Contains("2 lines", rendered.GetProperty("fold").GetString(), StringComparison.Ordinal);
        Assert.False(rendered.GetProperty("foldOpen").GetBoolean());
        Assert.Equal("WARN deprecated\n", rendered.GetProperty("stderr").GetString());
        Assert.Contains("http://127.0.0.1:5173", rendered.GetProperty("server").GetString(), StringComparison.Ordinal);
        Assert.Contains("Preview ready", rendered.GetProperty("preview").GetString(), StringComparison.Ordinal);
        Assert.Contains("Something new", rendered.GetProperty("unknown").GetString(), StringComparison.Ordinal);
        Assert.Contains("<b>kept as text</b>", rendered.GetProperty("unknown").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, rendered.GetProperty("bold").GetInt32());
        ui.AssertHealthy();
    }

    internal static async Task AssertNoGapOrDuplicateAsync(UiPage ui, string projectId, KilnApp kiln)
    {
        var stored = await StoredEvents.ReadAsync(kiln, projectId);
        var shown = await ui.SeqsAsync();
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), shown);
    }

    private Task AssertNoGapOrDuplicateAsync(UiPage ui, string projectId) => AssertNoGapOrDuplicateAsync(ui, projectId, Kiln);

    private async Task<HttpStatusCode> StatusCodeAsync(string path)
    {
        using var client = Kiln.Client();
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }
}
