using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Offline;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Preview;
using Kiln.Tests.Sandbox;
using Kiln.Tests.Tools;
using Kiln.Tests.WebUi;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Offline;

/// <summary>
/// One Kiln as a user gets it (no AppStack setting, so auto) with a template cache and package store of its own,
/// shared by the class: the first generation scaffolds and installs cold, the rest are warm.
/// </summary>
public sealed class ViteKiln : IAsyncLifetime
{
    private readonly SemaphoreSlim _warming = new(1, 1);
    private string? _warmProject;

    public string CacheDirectory { get; } = TempDirectory.Create("kiln-vite-cache");

    public KilnApp Kiln { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            // Null removes KilnApp's static default: this is what a person gets with no setting.
            ["Kiln:Agent:Offline:AppStack"] = null,
            ["Kiln:Packages:CacheDirectory"] = CacheDirectory,
        });
        return ValueTask.CompletedTask;
    }

    /// <summary>bubblewrap, node and pnpm here, and the registry for the first, cold scaffold.</summary>
    public async Task RequireAsync()
    {
        await Kiln.Services.RequireBubblewrapAsync();
        Requires.Pnpm();
        await Requires.NpmRegistryAsync();
    }

    /// <summary>The class's first todo app, generated once: after it, the template cache and store are warm.</summary>
    public async Task<string> WarmTodoAppAsync()
    {
        await _warming.WaitAsync();
        try
        {
            return _warmProject ??= (await GenerateAsync(Kiln, "Build a todo app for my groceries")).ProjectId;
        }
        finally
        {
            _warming.Release();
        }
    }

    /// <summary>Posts a prompt and reads this generation's events up to generation_completed; the project is then ready.</summary>
    public static async Task<(string ProjectId, List<JsonElement> Events)> GenerateAsync(KilnApp kiln, string prompt, string? projectId = null, long after = 0)
    {
        var id = await kiln.GenerateAsync(prompt, projectId);
        await using var subscriber = kiln.Events(id, after);
        var events = await subscriber.ReadUntilAsync(TimeSpan.FromMinutes(4), "generation_completed", "generation_cancelled");
        Assert.True(events.Count > 0 && events[^1].GetProperty("type").GetString() == "generation_completed",
            $"The generation did not complete: {string.Join("\n", events.Select(e => e.ToString()))}");
        await kiln.WaitForStatusAsync(id, TimeSpan.FromSeconds(30), "ready");
        return (id, events);
    }

    public async ValueTask DisposeAsync()
    {
        if (Kiln is not null)
        {
            await Kiln.DisposeAsync();
        }

        TempDirectory.Delete(CacheDirectory);
        _warming.Dispose();
    }
}

/// <summary>
/// The offline model's Vite + React + TypeScript apps, for real: chosen by default where node and pnpm run, scaffolded,
/// installed and served by Kiln's tools, driven in Chromium through the preview origin, changed by a follow-up while
/// it runs, and replaced by the static app when the install fails. Shares the web UI tests' Chromium, one class at a time.
/// </summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed class OfflineViteTests(ViteKiln fixture, WebUi.Browser browser) : IClassFixture<ViteKiln>
{
    private KilnApp Kiln => fixture.Kiln;

    [Fact]
    public async Task Auto_picks_vite_where_node_and_pnpm_run_in_the_sandbox()
    {
        await Kiln.Services.RequireBubblewrapAsync();
        Requires.Pnpm();
        var status = await Kiln.Services.GetRequiredService<ViteToolchain>().GetStatusAsync(TestContext.Current.CancellationToken);
        Assert.True(status.Usable, status.Description);
        Assert.Contains("node v", status.Description, StringComparison.Ordinal);
        Assert.Equal(OfflineAppStack.Vite, await Kiln.Services.GetRequiredService<OfflineModelServer>().PreferredStackAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Auto_builds_the_static_app_where_pnpm_cannot_be_found()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Kiln:Agent:Offline:AppStack"] = null,
            ["Kiln:Sandbox:SearchPath"] = "/nonexistent-kiln-search-path",
        });
        Assert.Equal(OfflineAppStack.Static, await kiln.Services.GetRequiredService<OfflineModelServer>().PreferredStackAsync(TestContext.Current.CancellationToken));
        var (projectId, events) = await ViteKiln.GenerateAsync(kiln, "Build a todo app for my groceries");
        Assert.Equal(["write_file", "write_file", "write_file"], Tools(events));
        Assert.Equal(["app.js", "index.html", "styles.css"], await FilesAsync(kiln, projectId));
    }

    [Fact]
    public async Task Pinned_static_still_builds_the_static_app()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Agent:Offline:AppStack"] = "static" });
        var (projectId, events) = await ViteKiln.GenerateAsync(kiln, "Build a todo app for my groceries");
        Assert.Equal(["write_file", "write_file", "write_file"], Tools(events));
        Assert.Equal(["app.js", "index.html", "styles.css"], await FilesAsync(kiln, projectId));
        var html = await PreviewAsync(kiln, projectId, "/");
        Assert.Contains("<script src=\"app.js\" defer></script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vite_todo_app_from_a_prompt_runs_in_chromium_and_keeps_its_tasks_across_a_reload()
    {
        await fixture.RequireAsync();
        var projectId = await fixture.WarmTodoAppAsync();
        var files = await FilesAsync(Kiln, projectId);
        Assert.Contains("package.json", files);
        Assert.Contains("src/App.tsx", files);
        Assert.Contains("src/components/TodoList.tsx", files);
        Assert.DoesNotContain("app.js", files);
        var status = await Kiln.StatusAsync(projectId);
        var previewUrl = status.GetProperty("previewUrl").GetString()!;
        Assert.Equal($"http://p-{projectId}.localhost:{Kiln.BaseAddress.Port}/", previewUrl);

        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync(previewUrl);
        await Expect(page.Locator("h1")).ToHaveTextAsync(OfflineAppPlanner.Plan(["Build a todo app for my groceries"], OfflineAppStack.Vite).Title);
        // React renders the app: index.html itself has an empty root.
        Assert.Contains("<div id=\"root\"></div>", await PreviewAsync(Kiln, projectId, "/"), StringComparison.Ordinal);

        var field = page.Locator("#new-task");
        await field.FillAsync("Buy milk");
        await field.PressAsync("Enter");
        await field.FillAsync("Bake bread");
        await page.Locator("#add-form button[type=submit]").ClickAsync();
        await field.FillAsync("   ");
        await field.PressAsync("Enter");
        await page.Locator(".task input[type=checkbox]").First.CheckAsync();
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Buy milk", "Bake bread"]);
        await Expect(page.Locator("#remaining")).ToHaveTextAsync("1 task left, 1 done");
        await page.Locator("[data-filter=done]").ClickAsync();
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Buy milk"]);
        await ui.ScreenshotAsync("offline-vite-todo");

        await page.ReloadAsync();
        await Expect(page.Locator("[data-filter=done]")).ToHaveAttributeAsync("aria-pressed", "true");
        await page.Locator("[data-filter=all]").ClickAsync();
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Buy milk", "Bake bread"]);
        await Expect(page.Locator(".task.done")).ToHaveCountAsync(1);
        await page.Locator("#clear-done").ClickAsync();
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Bake bread"]);
        await Expect(page.Locator("#clear-done")).ToBeHiddenAsync();
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Vite_counter_notes_and_landing_page_work_in_chromium_and_remember()
    {
        await fixture.RequireAsync();
        await fixture.WarmTodoAppAsync();
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;

        await OpenAsync(page, "a counter for push-ups");
        await Expect(page.Locator("#counter-label")).ToHaveTextAsync("Push-ups");
        await page.Locator("#increment").ClickAsync();
        await page.Locator("#increment").ClickAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Locator("[data-step='5']").ClickAsync();
        await page.Locator("#increment").ClickAsync();
        await Expect(page.Locator("#value")).ToHaveTextAsync("6");
        await page.Locator("#reset").ClickAsync();
        await Expect(page.Locator("#value")).ToHaveTextAsync("0");
        await page.Locator("#undo").ClickAsync();
        await Expect(page.Locator("#value")).ToHaveTextAsync("6");
        await page.ReloadAsync();
        await Expect(page.Locator("#value")).ToHaveTextAsync("6");
        await Expect(page.Locator("[data-step='5']")).ToHaveAttributeAsync("aria-pressed", "true");

        await OpenAsync(page, "Make a notes app for my D&D campaign");
        await Expect(page.Locator("#notes-empty")).ToBeVisibleAsync();
        await page.Locator("#new-note").ClickAsync();
        await page.Locator("#note-title").FillAsync("Session one");
        await page.Locator("#note-body").FillAsync("The party met a dragon.");
        await page.Locator("#new-note").ClickAsync();
        await page.Locator("#note-title").FillAsync("Loot");
        await Expect(page.Locator(".note-item-title")).ToHaveTextAsync(["Loot", "Session one"]);
        await page.Locator("#search").FillAsync("dragon");
        await Expect(page.Locator(".note-item-title")).ToHaveTextAsync(["Session one"]);
        await page.ReloadAsync();
        await Expect(page.Locator(".note-item-title")).ToHaveTextAsync(["Loot", "Session one"]);
        await Expect(page.Locator("#note-title")).ToHaveValueAsync("Loot");

        await OpenAsync(page, "a landing page for my bakery called Crumb & Co");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Crumb & Co");
        await Expect(page.Locator(".feature")).ToHaveCountAsync(3);
        await page.Locator("#signup-email").FillAsync("not an address");
        await page.Locator("#signup-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#signup-status")).ToHaveClassAsync("signup-status error");
        await page.Locator("#signup-email").FillAsync("ada@example.com");
        await page.Locator("#signup-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#signup-status")).ToHaveTextAsync("Thanks! You're on the list.");
        Assert.Contains("ada@example.com", await page.EvaluateAsync<string>("() => JSON.stringify(localStorage)"), StringComparison.Ordinal);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task Vite_calculator_timer_and_collection_work_in_chromium_and_remember()
    {
        await fixture.RequireAsync();
        await fixture.WarmTodoAppAsync();
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;

        await OpenAsync(page, "a simple calculator");
        var display = page.Locator("#display");
        foreach (var key in new[] { "[data-digit='1']", "[data-digit='2']", "[data-operator='+']", "[data-digit='3']", "[data-action='equals']" })
        {
            await page.Locator(key).ClickAsync();
        }
        await Expect(display).ToHaveTextAsync("15");
        // Keys go to the page, not to the button last clicked.
        await page.Locator("h1").ClickAsync();
        foreach (var key in new[] { "Escape", "9", "*", "9", "Enter" })
        {
            await page.Keyboard.PressAsync(key);
        }
        await Expect(display).ToHaveTextAsync("81");
        await Expect(page.Locator("[data-operator='×']")).ToHaveAttributeAsync("aria-pressed", "false");
        foreach (var key in new[] { "Escape", "7", "/", "0", "Enter" })
        {
            await page.Keyboard.PressAsync(key);
        }
        await Expect(display).ToHaveTextAsync("Can't divide by zero");
        await page.Keyboard.PressAsync("Escape");
        await Expect(display).ToHaveTextAsync("0");
        await page.ReloadAsync();
        await Expect(page.Locator(".history-item strong")).ToHaveTextAsync(["81", "15"]);
        await page.Locator(".history-item").First.ClickAsync();
        await Expect(display).ToHaveTextAsync("81");

        await OpenAsync(page, "a pomodoro timer");
        var title = OfflineAppPlanner.Plan(["a pomodoro timer"], OfflineAppStack.Vite).Title;
        var time = page.Locator("#time");
        await Expect(time).ToHaveTextAsync("25:00");
        await page.Locator("#start").ClickAsync();
        await Expect(page.Locator("#start")).ToHaveTextAsync("Pause");
        await Expect(time).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^24:5\d$"));
        await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex($@"^24:5\d · Focus · {System.Text.RegularExpressions.Regex.Escape(title)}$"));
        await page.Locator("#start").ClickAsync();
        await Expect(page.Locator("#start")).ToHaveTextAsync("Resume");
        await Expect(page).ToHaveTitleAsync(title);
        await page.Locator("[data-mode=short]").ClickAsync();
        await Expect(time).ToHaveTextAsync("05:00");
        await Expect(page.Locator("#mode-label")).ToHaveTextAsync("Short break");
        await Expect(page.Locator("#start")).ToHaveTextAsync("Start");
        await page.Locator(".timer-settings summary").ClickAsync();
        await page.Locator("#minutes-short").FillAsync("10");
        await Expect(time).ToHaveTextAsync("10:00");
        await page.ReloadAsync();
        await Expect(page.Locator("[data-mode=short]")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(time).ToHaveTextAsync("10:00");
        await page.Keyboard.PressAsync(" ");
        await Expect(page.Locator("#start")).ToHaveTextAsync("Pause");
        await page.Keyboard.PressAsync("r");
        await Expect(page.Locator("#start")).ToHaveTextAsync("Start");
        await Expect(time).ToHaveTextAsync("10:00");

        await OpenAsync(page, "an app to track my houseplants");
        await Expect(page.Locator("#form-title")).ToHaveTextAsync("Add a houseplant");
        await page.Locator("#entry-name").FillAsync("Monstera");
        await page.Locator("#entry-tag").FillAsync("living room");
        await page.Locator("#entry-notes").FillAsync("Water weekly");
        await page.Locator("#submit").ClickAsync();
        await page.Locator("#entry-name").FillAsync("Fern");
        await page.Locator("#entry-name").PressAsync("Enter");
        await Expect(page.Locator(".entry h3")).ToHaveTextAsync(["Fern", "Monstera"]);
        await Expect(page.Locator("#count")).ToHaveTextAsync("2 houseplants");
        await page.Locator(".entry .icon-btn[aria-label^=Star]").First.ClickAsync();
        await page.Locator("[data-show=starred]").ClickAsync();
        await Expect(page.Locator(".entry h3")).ToHaveTextAsync(["Fern"]);
        await page.ReloadAsync();
        await Expect(page.Locator("[data-show=starred]")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator(".entry h3")).ToHaveTextAsync(["Fern"]);
        await page.Locator("[data-show=all]").ClickAsync();
        await page.Locator("#search").FillAsync("living");
        await Expect(page.Locator(".entry h3")).ToHaveTextAsync(["Monstera"]);
        await page.Locator("#search").FillAsync("");
        await page.Locator(".entry .icon-btn[aria-label^=Edit]").First.ClickAsync();
        await Expect(page.Locator("#entry-name")).ToHaveValueAsync("Fern");
        await page.Locator("#entry-name").FillAsync("Boston fern");
        await page.Locator("#submit").ClickAsync();
        await Expect(page.Locator(".entry h3")).ToHaveTextAsync(["Boston fern", "Monstera"]);
        await Expect(page.Locator("#form-title")).ToHaveTextAsync("Add a houseplant");
        await page.ReloadAsync();
        await Expect(page.Locator(".entry h3")).ToHaveTextAsync(["Boston fern", "Monstera"]);
        await Expect(page.Locator(".entry.starred h3")).ToHaveTextAsync(["Boston fern"]);
        ui.AssertHealthy();
    }

    [Fact]
    [Slow]
    public async Task A_timer_with_a_task_list_is_one_vite_app_that_builds_and_shows_both_and_says_what_it_left_out()
    {
        await fixture.RequireAsync();
        await fixture.WarmTodoAppAsync();
        const string prompt = "a pomodoro timer with a task list, sound and a weekly report";
        var (projectId, events) = await ViteKiln.GenerateAsync(Kiln, prompt);
        Assert.Equal("create_vite_app", Tools(events)[0]);
        var files = await FilesAsync(Kiln, projectId);
        Assert.Contains("src/components/Timer.tsx", files);
        Assert.Contains("src/components/TodoList.tsx", files);
        var summary = events[^1].GetProperty("data").GetProperty("summary").GetString()!;
        Assert.Contains("plus a todo list on the same page", summary, StringComparison.Ordinal);
        Assert.Contains("Not built: “a weekly report”.", summary, StringComparison.Ordinal);
        Assert.Contains("ANTHROPIC_API_KEY", summary, StringComparison.Ordinal);

        // tsc -b with the template's strict settings, then vite build, on the app as the model wrote it.
        var app = Path.GetDirectoryName(AppFile(projectId, "package.json"))!;
        Assert.Null(await VitePreviewTests.ViteApp.RunAsync(app, "pnpm", "run", "build"));

        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"http://p-{projectId}.localhost:{Kiln.BaseAddress.Port}/");
        await Expect(page.Locator("h1")).ToHaveTextAsync(OfflineAppPlanner.Plan([prompt], OfflineAppStack.Vite).Title);
        await Expect(page.Locator("#time")).ToHaveTextAsync("25:00");
        await Expect(page.Locator("#part-todo")).ToHaveTextAsync("Task List");
        await page.Locator("#new-task").FillAsync("Outline chapter two");
        await page.Locator("#new-task").PressAsync("Enter");
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Outline chapter two"]);
        // Typing a task is not a shortcut for the timer (space starts it, r resets it, on the page only).
        await page.Locator("#new-task").PressSequentiallyAsync("r ");
        await Expect(page.Locator("#new-task")).ToHaveValueAsync("r ");
        await Expect(page.Locator("#start")).ToHaveTextAsync("Start");
        await page.Locator("#new-task").FillAsync("");
        await page.Locator("#start").ClickAsync();
        await Expect(page.Locator("#start")).ToHaveTextAsync("Pause");
        await ui.ScreenshotAsync("offline-vite-timer-with-tasks");

        await page.ReloadAsync();
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Outline chapter two"]);
        await Expect(page.Locator("#start")).ToHaveTextAsync("Pause");
        // Each part keeps its own key: the timer's state and the task list never share one.
        var keys = await page.EvaluateAsync<string[]>("() => Object.keys(localStorage).filter(key => key.startsWith('kiln.')).sort()");
        Assert.Equal(["kiln.timer.focus-timer", "kiln.todo.focus-timer"], keys);
        ui.AssertHealthy();
    }

    [Fact]
    public async Task No_event_or_tool_result_of_a_vite_generation_names_a_host_path()
    {
        await fixture.RequireAsync();
        await fixture.WarmTodoAppAsync();
        var (projectId, events) = await ViteKiln.GenerateAsync(Kiln, "a counter for push-ups");
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "server_started");

        var workspace = Kiln.Services.GetRequiredService<Kiln.Projects.ProjectWorkspace>();
        var root = workspace.Root;

        // The dev server's own 403 for a file outside the app, as the preview relays it.
        var forbidden = await PreviewTextAsync(projectId, $"/@fs{root}/kiln.db");

        // A compile error: Vite's answer names the file, and Kiln relays it as the app's error.
        var after = events[^1].GetProperty("seq").GetInt64();
        await File.WriteAllTextAsync(AppFile(projectId, "src/App.tsx"), "export default function App() { return <div>; }\n");
        // Vite's watcher takes a moment to see the change; until then it serves the module as it was.
        var compileError = "";
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (!compileError.Contains("App.tsx", StringComparison.Ordinal) || !compileError.Contains("rror", StringComparison.Ordinal))
            {
                await Task.Delay(200, deadline.Token);
                compileError = await PreviewTextAsync(projectId, "/src/App.tsx");
            }
        }

        await using var subscriber = Kiln.Events(projectId, after);
        var errors = await subscriber.ReadUntilAsync(TimeSpan.FromSeconds(30), "preview_error");

        var conversation = await File.ReadAllTextAsync(Path.Combine(workspace.SessionDirectory(projectId), "conversation.json"));
        Assert.Contains("tool_result", conversation, StringComparison.Ordinal);
        var leaks = events.Concat(errors).Select(e => e.ToString())
            .Append(conversation).Append(forbidden).Append(compileError)
            .Where(text => text.Contains(root, StringComparison.Ordinal))
            .ToList();
        Assert.True(leaks.Count == 0, $"{root} is named in:\n{string.Join("\n", leaks.Select(l => l.Length > 600 ? l[..600] : l))}");
    }

    private async Task<string> PreviewTextAsync(string projectId, string path)
    {
        using var client = Kiln.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"p-{projectId}.localhost:{Kiln.BaseAddress.Port}";
        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task OpenAsync(Microsoft.Playwright.IPage page, string prompt)
    {
        var (projectId, events) = await ViteKiln.GenerateAsync(Kiln, prompt);
        Assert.Equal("create_vite_app", Tools(events)[0]);
        await page.GotoAsync($"http://p-{projectId}.localhost:{Kiln.BaseAddress.Port}/");
    }

    [Fact]
    public async Task A_follow_up_changes_the_react_source_and_the_running_app_updates()
    {
        await fixture.RequireAsync();
        await fixture.WarmTodoAppAsync();
        var (projectId, first) = await ViteKiln.GenerateAsync(Kiln, "a todo app for the weekend");
        Assert.Equal("create_vite_app", Tools(first)[0]);

        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"http://p-{projectId}.localhost:{Kiln.BaseAddress.Port}/");
        // The first load has Vite transform every module (and Kiln tag their JSX): on a busy machine, longer than a click.
        await Expect(page.Locator("#new-task")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.Locator("#new-task").FillAsync("Mow the lawn");
        await page.Locator("#new-task").PressAsync("Enter");
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Mow the lawn"]);
        const string accent = "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()";
        Assert.NotEqual("#15803d", await page.EvaluateAsync<string>(accent));
        var before = await File.ReadAllTextAsync(AppFile(projectId, "src/index.css"));

        var after = first[^1].GetProperty("seq").GetInt64();
        var (_, second) = await ViteKiln.GenerateAsync(Kiln, "make the accent colour green", projectId, after);
        var tools = Tools(second);
        Assert.DoesNotContain("create_vite_app", tools);
        Assert.DoesNotContain("install_dependencies", tools);
        Assert.Equal("start_dev_server", tools[^1]);
        var updated = second.Where(e => e.GetProperty("type").GetString() == "file_updated").Select(e => e.GetProperty("data").GetProperty("path").GetString()).ToList();
        Assert.Equal(["src/index.css", "src/settings.ts"], updated);
        var css = await File.ReadAllTextAsync(AppFile(projectId, "src/index.css"));
        Assert.NotEqual(before, css);
        Assert.Contains("--accent: #15803d;", css, StringComparison.Ordinal);

        // The page this test opened before the follow-up picks the change up by itself (Vite's HMR through the preview origin).
        await page.WaitForFunctionAsync($"() => {accent} === '#15803d'");
        await Expect(page.Locator(".changes")).ToContainTextAsync("Green accent");
        await Expect(page.Locator(".task-text")).ToHaveTextAsync(["Mow the lawn"]);
        await ui.ScreenshotAsync("offline-vite-follow-up");
        ui.AssertHealthy();
    }

    /// <summary>Every kind the offline model builds with React, first prompt and follow-up, as the model writes them.</summary>
    public static readonly string[][] ViteApps =
    [
        ["a todo list for my reading", "make it dark, call it Books and add a footer saying Happy reading"],
        ["a counter for push-ups", "bigger text and add a note saying Keep going"],
        ["Make a notes app for my D&D campaign", "remove the footer and make it purple"],
        ["a landing page for my bakery called Crumb & Co", "change the tagline to \"Bread worth waking up for\""],
        ["a simple calculator", "make it dark and add a note saying Press Enter for the result"],
        ["a pomodoro timer", "call it Deep Work and make the accent colour purple"],
        ["an app to track my houseplants", "smaller text and add a footer saying Water on Sundays"],
        // Several kinds in one app: every component that can be a part, on one page.
        ["a notes app with a counter, a calculator, a timer and a task list", "make it dark"],
    ];

    [Fact]
    public async Task Generated_react_code_of_every_kind_typechecks_and_builds()
    {
        await fixture.RequireAsync();
        await fixture.WarmTodoAppAsync();
        var (projectId, _) = await ViteKiln.GenerateAsync(Kiln, ViteApps[0][0]);
        // One installed app holds every kind's src/ in a folder of its own: tsc -b checks all of src/ with the template's
        // strict settings (no unused locals or parameters), then vite build bundles the app itself.
        var app = Path.GetDirectoryName(AppFile(projectId, "package.json"))!;
        foreach (var (prompts, index) in ViteApps.Select((prompts, index) => (prompts, index)))
        {
            Assert.True(OfflineAppPlanner.CanBuildWithVite(prompts[0]), prompts[0]);
            var plan = OfflineAppPlanner.Plan(prompts, OfflineAppStack.Vite);
            foreach (var file in plan.Files.Where(f => f.Path.StartsWith("src/", StringComparison.Ordinal)))
            {
                var target = Path.Combine(app, "src", $"check-{index}-{plan.Kind.ToString().ToLowerInvariant()}", file.Path[4..]);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await File.WriteAllTextAsync(target, file.Content);
            }
        }

        var failure = await VitePreviewTests.ViteApp.RunAsync(app, "pnpm", "run", "build");
        Assert.Null(failure);
    }

    [Fact]
    public async Task A_failed_install_falls_back_to_the_static_app()
    {
        await fixture.RequireAsync();
        await fixture.WarmTodoAppAsync();
        // The warm template without the node_modules it keeps, an empty package store and a registry that does not answer:
        // the scaffold works, the install cannot.
        var cache = TempDirectory.Create("kiln-vite-cold-store");
        try
        {
            CopyDirectory(Path.Combine(fixture.CacheDirectory, "templates"), Path.Combine(cache, "templates"));
            await using var kiln = KilnApp.Start(new Dictionary<string, string?>
            {
                ["Kiln:Agent:Offline:AppStack"] = "vite",
                ["Kiln:Packages:CacheDirectory"] = cache,
                ["Kiln:Packages:Registry"] = TemplateCacheFixture.NoRegistry,
                ["Kiln:Packages:InstallAttempts"] = "1",
            });
            var (projectId, events) = await ViteKiln.GenerateAsync(kiln, "Build a todo app for my groceries");

            var executed = events.Where(e => e.GetProperty("type").GetString() == "tool_executed").Select(e => e.GetProperty("data")).ToList();
            Assert.True(executed[0].GetProperty("ok").GetBoolean(), executed[0].ToString()); // create_vite_app, from the cache
            Assert.Equal("install_dependencies", executed[1].GetProperty("tool").GetString());
            Assert.False(executed[1].GetProperty("ok").GetBoolean());
            Assert.Contains(executed, call => call.GetProperty("tool").GetString() == "delete_file" && call.GetProperty("input").GetString()!.Contains("package.json", StringComparison.Ordinal));
            Assert.Equal(["app.js", "index.html", "styles.css"], await FilesAsync(kiln, projectId));
            var summary = events[^1].GetProperty("data").GetProperty("summary").GetString()!;
            Assert.Contains("install_dependencies failed, so this is the static version", summary, StringComparison.Ordinal);
            Assert.Contains("as plain HTML, CSS and JavaScript", summary, StringComparison.Ordinal);
            Assert.Contains("<script src=\"app.js\" defer></script>", await PreviewAsync(kiln, projectId, "/"), StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(cache);
        }
    }

    [Fact]
    public async Task A_failed_scaffold_falls_back_to_the_static_app()
    {
        Requires.Pnpm();
        // No template cached and no registry: create_vite_app fails.
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Kiln:Agent:Offline:AppStack"] = "vite",
            ["Kiln:Packages:Registry"] = TemplateCacheFixture.NoRegistry,
            ["Kiln:Packages:InstallAttempts"] = "1",
        });
        var (projectId, events) = await ViteKiln.GenerateAsync(kiln, "Build a todo app for my groceries");
        Assert.Equal(["create_vite_app", "write_file", "write_file", "write_file", "start_dev_server"], Tools(events));
        Assert.Equal(["app.js", "index.html", "styles.css"], await FilesAsync(kiln, projectId));
        Assert.Contains("create_vite_app failed", events[^1].GetProperty("data").GetProperty("summary").GetString()!, StringComparison.Ordinal);
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "preview_ready");
    }

    /// <summary>
    /// The tools the model called to build the app, in order. Where Kiln offers check_app the offline model ends with it,
    /// as a real model does; that last look is tested in OfflineModelStackTests, so it is left out here.
    /// </summary>
    private static List<string> Tools(List<JsonElement> events) =>
        events.Where(e => e.GetProperty("type").GetString() == "tool_executed").Select(e => e.GetProperty("data").GetProperty("tool").GetString()!)
            .Where(tool => tool != OfflineSteps.CheckApp).ToList();

    private static async Task<List<string>> FilesAsync(KilnApp kiln, string projectId)
    {
        using var client = kiln.Client();
        var files = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/files");
        return files.EnumerateArray().Select(f => f.GetProperty("path").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    private string AppFile(string projectId, string path) =>
        Path.Combine(Kiln.Services.GetRequiredService<Kiln.Projects.ProjectWorkspace>().AppDirectory(projectId), path);

    private static async Task<string> PreviewAsync(KilnApp kiln, string projectId, string path)
    {
        using var client = kiln.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"p-{projectId}.localhost:{kiln.BaseAddress.Port}";
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Copies a directory, leaving out every node_modules.</summary>
    private static void CopyDirectory(string from, string to)
    {
        static bool Kept(string path) => !path.Split(Path.DirectorySeparatorChar).Contains("node_modules");

        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories).Where(Kept))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(Kept))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
