using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.WebUi;

/// <summary>
/// The UI while a generation runs, against a scripted model that answers when the test wants: stopping it,
/// reloading the page in the middle, and a Kiln that restarts under an open page.
/// </summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed class WebUiLiveTests(Browser browser)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static KilnApp StartKiln(
        ScriptedModelServer model, string? projectsRoot = null, int port = 0, string runtime = "builtin", string modelName = "claude-scripted", int? contextBudget = null) => KilnApp.Start(
        new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Kiln:Agent:Runtime"] = runtime,
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = modelName,
            ["Kiln:Agent:ContextBudgetTokens"] = contextBudget?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        projectsRoot,
        port);

    [Fact]
    public async Task Stop_cancels_the_running_generation_and_keeps_what_was_written()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.Of(
                ScriptedContent.Text("Starting with **the page**."),
                ScriptedContent.ToolUse("write_file", new { path = "index.html", content = "<h1>Half built</h1>" })),
            ScriptedReply.ToolUse("write_file", new { path = "../outside.txt", content = "no" }),
            ScriptedReply.Hanging);
        await using var kiln = StartKiln(model);
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");
        await page.Locator("#new-prompt").FillAsync("a page that takes its time");
        await page.Locator("#new-submit").ClickAsync();
        await ui.ProjectIdAsync();

        await Expect(ui.Timeline.Locator(".ev-file_created .file-name")).ToHaveTextAsync("index.html");
        // A refused tool call shows its error, and that the agent gets it back.
        await Expect(ui.Timeline.Locator(".tool-failed .tool-error")).ToContainTextAsync("'..' is not allowed");
        await Expect(ui.Timeline.Locator(".tool-failed .tool-note")).ToBeVisibleAsync();
        await model.WaitForRequestAsync(request => request.ToolResults.Count >= 2, new CancellationTokenSource(Timeout).Token);
        await Expect(page.Locator("#progress")).ToBeVisibleAsync();
        await Expect(page.Locator("#progress-text")).ToContainTextAsync("Building");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Building");
        await Expect(page.Locator("#followup-submit")).ToBeDisabledAsync();
        await Expect(page.Locator(".preview-empty-text")).ToContainTextAsync("as soon as it has a page");
        await ui.ScreenshotAsync("generating");

        await page.Locator("#cancel").ClickAsync();

        await Expect(ui.Timeline.Locator(".callout-warning")).ToContainTextAsync("Cancelled by request.");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Cancelled");
        await Expect(page.Locator("#cancel")).ToBeHiddenAsync();
        await Expect(page.Locator("#progress")).ToBeHiddenAsync();
        await Expect(page.Locator("#followup-submit")).ToBeEnabledAsync();
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Half built");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Reloading_in_the_middle_resumes_the_timeline_with_no_gap_and_no_duplicate()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        for (var i = 1; i <= 8; i++)
        {
            model.Enqueue(ScriptedReply.Of(
                ScriptedContent.Text($"Writing page {i}."),
                ScriptedContent.ToolUse("write_file", new { path = $"page{i}.html", content = $"<h1>Page {i}</h1>" })).After(TimeSpan.FromMilliseconds(250)));
        }

        model.Enqueue(ScriptedReply.Text("All eight pages are written.").After(TimeSpan.FromMilliseconds(250)));
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("eight pages, slowly");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        var sockets = new List<string>();
        page.WebSocket += (_, socket) => sockets.Add(socket.Url);
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.Timeline.Locator(".ev-file_created").Nth(2)).ToBeVisibleAsync();

        await page.ReloadAsync();

        await Expect(ui.Timeline.Locator(".callout-success")).ToContainTextAsync("Done");
        await Expect(ui.Timeline.Locator(".ev-file_created")).ToHaveCountAsync(8);
        await WebUiTests.AssertNoGapOrDuplicateAsync(ui, projectId, kiln);
        // After the reload the page asked only for what it had not seen.
        Assert.Equal(2, sockets.Count);
        Assert.EndsWith("after=0", sockets[0], StringComparison.Ordinal);
        var resumedAfter = long.Parse(sockets[1][(sockets[1].LastIndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedAfter >= 6, $"The reloaded page should resume after the events it had, not replay them all: {sockets[1]}");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task A_restarted_kiln_is_reconnected_to_without_a_reload()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Before</h1>" }), ScriptedReply.Text("First version."));
        var port = FreePort();
        var root = TempDirectory.Create("kiln-webui-restart");
        string projectId;
        await using var ui = await browser.OpenAsync(new Uri($"http://127.0.0.1:{port}/"));
        var page = ui.Page;
        await using (var first = StartKiln(model, root, port))
        {
            first.KeepProjectsRoot = true;
            projectId = await first.GenerateAsync("a page that outlives its server");
            await first.WaitForStatusAsync(projectId, Timeout, "ready");
            await page.GotoAsync($"/projects/{projectId}");
            await Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
            await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Before");
        }

        await Expect(page.Locator("#connection")).ToHaveTextAsync("Reconnecting…");
        await Expect(page.Locator("#stream-banner")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("reconnecting");

        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>After</h1>" }), ScriptedReply.Text("Second version."));
        await using var second = StartKiln(model, root, port);
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
        await Expect(page.Locator("#stream-banner")).ToBeHiddenAsync();

        await page.Locator("#followup-prompt").FillAsync("change the heading");
        await page.Keyboard.PressAsync("Control+Enter");
        await Expect(ui.Timeline.Locator(".callout-success")).ToHaveCountAsync(2);
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("After");
        await WebUiTests.AssertNoGapOrDuplicateAsync(ui, projectId, second);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_agents_markdown_is_rendered_and_any_html_in_it_stays_text()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.Text("""
            ### Plan
            1. Write **index.html**
            2. Style it with `styles.css`

            ```js
            const answer = 42;
            ```
            See [the docs](https://example.com/docs) or [this](javascript:alert(1)).
            <img src=x onerror="window.__owned = true"> <script>window.__owned = true</script>
            """));
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("explain yourself");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        var message = ui.Timeline.Locator(".ev-agent .md");
        await Expect(message.Locator("h5")).ToHaveTextAsync("Plan");
        await Expect(message.Locator("ol li")).ToHaveCountAsync(2);
        await Expect(message.Locator("strong")).ToHaveTextAsync("index.html");
        await Expect(message.Locator("code").First).ToHaveTextAsync("styles.css");
        await Expect(message.Locator("pre .tok-keyword")).ToHaveTextAsync("const");
        await Expect(message.Locator("a[href='https://example.com/docs']")).ToHaveAttributeAsync("rel", "noopener noreferrer");
        await Expect(message).ToContainTextAsync("<img src=x");
        await Expect(message.Locator("img, script, a[href^='javascript']")).ToHaveCountAsync(0);
        Assert.Null(await page.EvaluateAsync<bool?>("() => window.__owned"));
        ui.AssertHealthy();
    }

    [Fact]
    public async Task A_failed_generation_shows_the_error_and_what_to_do()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.PromptTooLong());
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("something enormous");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        var error = ui.Timeline.Locator(".callout-error");
        await Expect(error).ToContainTextAsync("prompt is too long");
        await Expect(error.Locator(".callout-hint")).ToContainTextAsync("What to do: The conversation has outgrown the model's context.");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Failed");
        await Expect(page.Locator("#followup-submit")).ToBeEnabledAsync();
        await ui.ScreenshotAsync("failed");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_preview_appears_as_soon_as_it_is_ready_while_the_generation_goes_on()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        var serve = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Early preview</h1>" }),
            // A static app: start_dev_server needs no process, it serves the files and says preview_ready.
            ScriptedReply.ToolUse("start_dev_server").After(serve.Task),
            ScriptedReply.Text("All done.").After(finish.Task));
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("a page to see early");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        // Written, but not served yet: the page waits for preview_ready, not for the files.
        await Expect(ui.Timeline.Locator(".ev-file_created .file-name")).ToHaveTextAsync("index.html");
        await Expect(page.Locator(".preview-empty-text")).ToContainTextAsync("as soon as it has a page");
        await Expect(page.Locator("#preview-frame")).ToHaveCountAsync(0);

        serve.SetResult();
        await Expect(ui.Timeline.Locator("[data-type='preview_ready']")).ToBeVisibleAsync();
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Early preview");
        // The agent is still at work: its next reply is held until now.
        await model.WaitForRequestAsync(request => request.ToolResults.Count >= 2, new CancellationTokenSource(Timeout).Token);
        Assert.Equal("generating", (await kiln.StatusAsync(projectId)).GetProperty("status").GetString());
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Building");
        await Expect(ui.Timeline.Locator(".callout-success")).ToHaveCountAsync(0);

        finish.SetResult();
        await Expect(ui.Timeline.Locator(".callout-success")).ToContainTextAsync("Done");
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Early preview");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_code_tab_follows_the_files_as_the_agent_writes_them()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>First draft</h1>\n" }),
            ScriptedReply.ToolUse("write_file", new { path = "css/styles.css", content = "h1 { color: teal; }\n" }).After(second.Task),
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Second draft</h1>\n<p>with more</p>\n" }).After(third.Task),
            ScriptedReply.Text("Written twice.").After(finish.Task));
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("a page written in steps");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await page.Locator("#tab-code").ClickAsync();

        await Expect(page.Locator(".tree-file .tree-name")).ToHaveTextAsync(["index.html"]);
        await page.Locator(".tree-file", new() { HasText = "index.html" }).ClickAsync();
        await Expect(page.Locator(".code-editor .cm-content")).ToContainTextAsync("First draft");

        second.SetResult();
        await Expect(page.Locator(".tree-dir .tree-name")).ToHaveTextAsync(["css"]);
        await Expect(page.Locator(".tree-file .tree-name")).ToHaveTextAsync(["styles.css", "index.html"]);
        await Expect(page.Locator(".tree-file", new() { HasText = "styles.css" }).Locator(".changed-dot")).ToBeVisibleAsync();
        await Expect(page.Locator(".file-count").First).ToHaveTextAsync("2");
        // The file being read stays open: a person chose it.
        await Expect(page.Locator(".file-path")).ToHaveTextAsync("index.html");

        third.SetResult();
        await Expect(page.Locator(".code-editor .cm-line")).ToHaveTextAsync(["<h1>Second draft</h1>", "<p>with more</p>", ""]);
        Assert.Equal("generating", (await kiln.StatusAsync(projectId)).GetProperty("status").GetString());
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Building");

        finish.SetResult();
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task A_tool_calls_input_is_shown_in_the_timeline()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Inputs</h1>" }),
            ScriptedReply.ToolUse("write_file", new { path = "notes.md", content = "# Notes\n\nThree lines of them.\n" }),
            ScriptedReply.ToolUse("list_directory", new { path = "." }),
            ScriptedReply.Text("Listed."));
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("show me what you call");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        var tools = ui.Timeline.Locator(".ev-tool");
        await Expect(tools.Locator(".tool-name")).ToHaveTextAsync(["write_file", "write_file", "list_directory"]);
        // Short strings as they are; long or multi-line ones by their size, so the line stays one line.
        await Expect(tools.Locator(".tool-input")).ToHaveTextAsync(["path=index.html, content=<h1>Inputs</h1>", "path=notes.md, content=<30 bytes>", "path=."]);

        // Unfolded, the call shows its input in full view.
        var first = tools.Nth(0);
        await Expect(first.Locator(".tool-pre")).ToBeHiddenAsync();
        await first.Locator("summary").ClickAsync();
        await Expect(first.Locator(".tool-pre")).ToHaveTextAsync("path=index.html, content=<h1>Inputs</h1>");
        // The input is text: the markup in it is not rendered.
        await Expect(first.Locator("h1")).ToHaveCountAsync(0);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_reload_button_shows_the_app_as_it_is_now()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Before</h1>" }),
            ScriptedReply.ToolUse("start_dev_server"),
            ScriptedReply.Text("Served."));
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("a page that changes under it");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.AddInitScriptAsync("window.previewReloads = 0; document.addEventListener('preview-reloaded', () => window.previewReloads++);");
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.Timeline.Locator(".callout-success")).ToContainTextAsync("Done");
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Before");
        // The page catches up on the project's history as it opens; none of it is news, so the frame loads once.
        await page.WaitForTimeoutAsync(1000);
        Assert.Equal(0, await page.EvaluateAsync<int>("window.previewReloads"));

        // Changed behind the page's back (no file event), as an editor or another client would.
        await File.WriteAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html"), "<h1>After</h1>", TestContext.Current.CancellationToken);
        await page.WaitForTimeoutAsync(1000);
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Before");

        await page.Locator(".preview-reload").ClickAsync();
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("After");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_cost_is_shown_when_the_runtime_reports_it()
    {
        Requires.ClaudeCli();
        await using var model = await ScriptedModelServer.StartAsync();
        // A million input tokens at Sonnet's price: dollars, so the cost shows in cents.
        model.Enqueue(
            ScriptedReply.ToolUse("mcp__kiln__write_file", new { path = "index.html", content = "<h1>Priced</h1>" }).WithUsage(1_000_000, 10),
            ScriptedReply.Text("Cost you something."));
        await using var kiln = StartKiln(model, runtime: "claude-code", modelName: "claude-sonnet-4-5");
        var projectId = await kiln.GenerateAsync("a page that costs money");
        var status = await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(120), "ready");
        var cost = status.GetProperty("costUsd").GetDecimal();
        Assert.True(cost > 1m, $"A million Sonnet input tokens cost dollars, not {cost}.");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        var shown = $"${cost.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}";
        await Expect(page.Locator(".project-usage")).ToContainTextAsync(shown);
        await Expect(page.Locator(".project-usage")).ToContainTextAsync("M in · ");
        await Expect(ui.Timeline.Locator(".callout-success .callout-facts")).ToContainTextAsync(shown);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_builtin_runtime_shows_tokens_and_the_model_since_it_knows_no_cost()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Counted</h1>" }).WithUsage(1200, 345),
            ScriptedReply.Text("Counted.").WithUsage(2000, 55));
        await using var kiln = StartKiln(model);
        var projectId = await kiln.GenerateAsync("a page that counts tokens");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("costUsd").ValueKind);
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        await Expect(page.Locator(".project-usage")).ToHaveTextAsync("3.2k in · 400 out tokens · claude-scripted");
        await Expect(ui.Timeline.Locator(".callout-success .callout-facts")).ToContainTextAsync("3.2k in · 400 out tokens");
        await Expect(ui.Timeline.Locator(".callout-success .callout-facts")).Not.ToContainTextAsync("$");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_model_picker_offers_the_usable_models_keeps_the_project_s_and_each_prompt_shows_its_cost()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        // Sonnet 4.5 at $3 / $15 per million tokens: $0.0045 and $0.009, $0.0135 in all.
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Priced</h1>" }).WithUsage(1_000, 100),
            ScriptedReply.Text("Priced.").WithUsage(2_000, 200));
        await using var kiln = StartKiln(model, modelName: "claude-sonnet-4-5");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");

        var picker = page.Locator("#new-model");
        await Expect(picker).ToBeVisibleAsync();
        await Expect(picker).ToHaveValueAsync("claude-sonnet-4-5");
        await Expect(picker.Locator("option[value='kiln-offline']")).ToHaveCountAsync(1);
        await Expect(picker.Locator("option[value='claude-haiku-4-5']")).ToHaveCountAsync(1);
        await page.Locator("#new-prompt").FillAsync("a priced page");
        await ui.ScreenshotAsync("model-picker-home");
        await page.Locator("#new-submit").ClickAsync();

        var facts = ui.Timeline.Locator(".callout-success .callout-facts");
        await Expect(facts).ToContainTextAsync("3.0k in · 300 out tokens");
        await Expect(facts).ToContainTextAsync("$0.0135");
        await Expect(facts).ToContainTextAsync("claude-sonnet-4-5");
        await Expect(page.Locator(".project-usage")).ToHaveTextAsync("3.0k in · 300 out tokens · $0.0135 · claude-sonnet-4-5");
        // The project's model is what its follow-ups use, and what the picker shows.
        await Expect(page.Locator("#followup-model")).ToHaveValueAsync("claude-sonnet-4-5");
        await ui.ScreenshotAsync("model-picker-and-cost");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task A_prompt_the_budget_stopped_shows_what_it_spent()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        // $0.0045 at Sonnet 4.5's price, past the prompt's $0.001 cap: no second request.
        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Capped</h1>" }).WithUsage(1_000, 100));
        await using var kiln = StartKiln(model, modelName: "claude-sonnet-4-5");
        string projectId;
        using (var client = kiln.Client())
        {
            using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "a capped page", maxBudgetUsd = 0.001m });
            projectId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString()!;
        }

        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "failed");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        var failed = ui.Timeline.Locator(".callout-error");
        await Expect(failed).ToContainTextAsync("budget stopped");
        await Expect(failed.Locator(".callout-facts")).ToHaveTextAsync("1.0k in · 100 out tokens · $0.0045");
        await Expect(failed.Locator(".callout-hint")).ToContainTextAsync("maxBudgetUsd");
        await ui.ScreenshotAsync("budget-stopped");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_context_meter_shows_how_full_the_claude_code_agents_context_is()
    {
        Requires.ClaudeCli();
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.Text("Counted.").WithUsage(23_000, 100));
        await using var kiln = StartKiln(model, runtime: "claude-code", modelName: "claude-sonnet-4-5");
        var projectId = await kiln.GenerateAsync("how full is the context?");
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(120), "ready");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");

        var meter = page.Locator(".context-meter");
        // The CLI counts the last response's 23k input tokens and a little more, against the model's window.
        await Expect(meter).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\s*context \d+k / \d+k\s*$"));
        await Expect(meter).ToHaveAttributeAsync("data-level", "ok");
        await Expect(meter).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("context window was \\d+% full"));
        await Expect(meter.Locator(".context-meter-fill")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("context-meter");
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_context_meter_turns_red_when_the_builtin_agents_context_passes_its_budget()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        // An answer of about 8k tokens on top of the instructions and tools: past the smallest budget Kiln allows.
        model.Enqueue(ScriptedReply.Text(string.Concat(Enumerable.Repeat("All counted. ", 2_600))));
        await using var kiln = StartKiln(model, contextBudget: 8_000);
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");
        await page.Locator("#new-prompt").FillAsync("a page that fills the context");
        await page.Locator("#new-submit").ClickAsync();
        await ui.ProjectIdAsync();

        var meter = page.Locator(".context-meter");
        // Live, from the generation_completed event as it arrives.
        await Expect(meter).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\s*context [\d.]+k / 8\.0k\s*$"), new() { Timeout = 60_000 });
        await Expect(meter).ToHaveAttributeAsync("data-level", "full");
        await Expect(meter.Locator(".context-meter-bar")).ToHaveAttributeAsync("aria-valuenow", "100");
        await ui.ScreenshotAsync("context-meter-full");
        ui.AssertHealthy();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
