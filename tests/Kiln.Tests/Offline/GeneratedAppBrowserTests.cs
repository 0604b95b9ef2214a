using System.Text.Json;
using Kiln.Testing;

namespace Kiln.Tests.Offline;

/// <summary>Each kind of app, run for real in headless Chromium from a static file server.</summary>
[Slow]
public sealed class GeneratedAppBrowserTests
{
    [Fact]
    public async Task Todo_adds_completes_filters_and_remembers_tasks()
    {
        await using var browser = await AppInBrowser.Open("Build a todo app for my groceries");
        var first = await browser.Run("""
            type("#new-task", "Buy milk"); submit("#add-form");
            type("#new-task", "Bake bread"); submit("#add-form");
            type("#new-task", "   "); submit("#add-form");
            click(".task input[type=checkbox]");
            result.tasks = texts(".task-text");
            result.done = $$(".task.done").length;
            result.remaining = text("#remaining");
            click("[data-filter=done]");
            result.shownWhenDone = texts(".task-text");
            click("[data-filter=all]");
            result.heading = text("h1");
            """);
        Assert.Equal(["Buy milk", "Bake bread"], Strings(first, "tasks"));
        Assert.Equal(1, first.GetProperty("done").GetInt32());
        Assert.Equal("1 task left, 1 done", first.GetProperty("remaining").GetString());
        Assert.Equal(["Buy milk"], Strings(first, "shownWhenDone"));
        Assert.Equal("Groceries Todo", first.GetProperty("heading").GetString());

        var reloaded = await browser.Run("""
            result.tasks = texts(".task-text");
            result.done = $$(".task.done").length;
            click(".task .icon-btn[aria-label^=Delete]");
            result.afterDelete = texts(".task-text");
            """);
        Assert.Equal(["Buy milk", "Bake bread"], Strings(reloaded, "tasks"));
        Assert.Equal(1, reloaded.GetProperty("done").GetInt32());
        Assert.Equal(["Bake bread"], Strings(reloaded, "afterDelete"));
    }

    [Fact]
    public async Task Counter_counts_by_click_key_and_step_resets_with_undo_and_remembers()
    {
        await using var browser = await AppInBrowser.Open("a counter for push-ups");
        var first = await browser.Run("""
            click("#increment"); click("#increment"); click("#increment");
            press("ArrowDown");
            result.afterKeys = text("#value");
            click("[data-step='5']"); click("#increment");
            result.afterStep = text("#value");
            click("#reset");
            result.afterReset = text("#value");
            result.undoShown = !$("#undo-row").hidden;
            click("#undo");
            result.afterUndo = text("#value");
            result.label = text("#counter-label");
            """);
        Assert.Equal("2", first.GetProperty("afterKeys").GetString());
        Assert.Equal("7", first.GetProperty("afterStep").GetString());
        Assert.Equal("0", first.GetProperty("afterReset").GetString());
        Assert.True(first.GetProperty("undoShown").GetBoolean());
        Assert.Equal("7", first.GetProperty("afterUndo").GetString());
        Assert.Equal("Push-ups", first.GetProperty("label").GetString());

        var reloaded = await browser.Run("""
            result.value = text("#value");
            result.step = $("[data-step][aria-pressed=true]").dataset.step;
            """);
        Assert.Equal("7", reloaded.GetProperty("value").GetString());
        Assert.Equal("5", reloaded.GetProperty("step").GetString());
    }

    [Fact]
    public async Task Notes_creates_edits_searches_and_remembers_notes()
    {
        await using var browser = await AppInBrowser.Open("Make a notes app for my D&D campaign");
        var first = await browser.Run("""
            result.emptyShown = !$("#notes-empty").hidden;
            click("#new-note");
            type("#note-title", "Session one"); type("#note-body", "The party met a dragon.");
            click("#new-note");
            type("#note-title", "Loot"); type("#note-body", "Three gold coins");
            result.titles = texts(".note-item-title");
            type("#search", "dragon");
            result.found = texts(".note-item-title");
            """);
        Assert.True(first.GetProperty("emptyShown").GetBoolean());
        Assert.Equal(["Loot", "Session one"], Strings(first, "titles"));
        Assert.Equal(["Session one"], Strings(first, "found"));

        var reloaded = await browser.Run("""
            result.titles = texts(".note-item-title");
            result.open = $("#note-title").value;
            click("#delete-note");
            result.afterDelete = texts(".note-item-title");
            """);
        Assert.Equal(["Loot", "Session one"], Strings(reloaded, "titles"));
        Assert.Equal("Loot", reloaded.GetProperty("open").GetString());
        Assert.Equal(["Session one"], Strings(reloaded, "afterDelete"));
    }

    [Fact]
    public async Task Calculator_does_arithmetic_from_buttons_and_keyboard()
    {
        await using var browser = await AppInBrowser.Open("a simple calculator");
        var result = await browser.Run("""
            const keys = (labels) => labels.forEach((label) =>
              $$(".calc-keys button").find((button) => button.textContent.trim() === label).click());
            keys(["1", "2", "+", "3", "="]);
            result.sum = text("#display");
            keys(["AC", "0", ".", "1", "+", "0", ".", "2", "="]);
            result.decimals = text("#display");
            keys(["AC", "2", "+", "3", "×", "4", "="]);
            result.chained = text("#display");
            keys(["AC", "7", "÷", "0", "="]);
            result.divideByZero = text("#display");
            keys(["AC"]);
            ["9", "*", "9", "Enter"].forEach(press);
            result.keyboard = text("#display");
            press("Escape");
            result.cleared = text("#display");
            result.history = $$(".history-item").length;
            """);
        Assert.Equal("15", result.GetProperty("sum").GetString());
        Assert.Equal("0.3", result.GetProperty("decimals").GetString());
        Assert.Equal("20", result.GetProperty("chained").GetString());
        Assert.Equal("Can't divide by zero", result.GetProperty("divideByZero").GetString());
        Assert.Equal("81", result.GetProperty("keyboard").GetString());
        Assert.Equal("0", result.GetProperty("cleared").GetString());
        Assert.Equal(4, result.GetProperty("history").GetInt32());
    }

    [Fact]
    public async Task Timer_starts_pauses_switches_mode_and_takes_custom_minutes()
    {
        await using var browser = await AppInBrowser.Open("a pomodoro timer");
        var result = await browser.Run("""
            result.initial = text("#time");
            click("#start");
            result.running = text("#start");
            result.tabTitle = document.title;
            click("#start");
            result.paused = text("#start");
            click("[data-mode=short]");
            result.shortBreak = text("#time");
            type("#minutes-short", "10");
            result.custom = text("#time");
            """);
        Assert.Equal("25:00", result.GetProperty("initial").GetString());
        Assert.Equal("Pause", result.GetProperty("running").GetString());
        Assert.Matches(@"^(25:00|24:5\d) · Focus · Focus Timer$", result.GetProperty("tabTitle").GetString());
        Assert.Equal("Resume", result.GetProperty("paused").GetString());
        Assert.Equal("05:00", result.GetProperty("shortBreak").GetString());
        Assert.Equal("10:00", result.GetProperty("custom").GetString());
    }

    [Fact]
    public async Task Landing_page_menu_and_signup_work()
    {
        await using var browser = await AppInBrowser.Open("a landing page for my bakery called Crumb & Co");
        var result = await browser.Run("""
            click("#nav-toggle");
            result.menuOpen = $("#nav-toggle").getAttribute("aria-expanded");
            type("#signup-email", "not an email"); submit("#signup-form");
            result.invalid = text("#signup-status");
            type("#signup-email", "ada@example.com"); submit("#signup-form");
            result.valid = text("#signup-status");
            result.features = texts(".feature h3");
            result.heading = text("h1");
            """);
        Assert.Equal("true", result.GetProperty("menuOpen").GetString());
        Assert.StartsWith("Please enter a valid email", result.GetProperty("invalid").GetString(), StringComparison.Ordinal);
        Assert.Equal("Thanks! You're on the list.", result.GetProperty("valid").GetString());
        Assert.Equal(3, result.GetProperty("features").GetArrayLength());
        Assert.Equal("Crumb & Co", result.GetProperty("heading").GetString());
    }

    [Fact]
    public async Task Collection_adds_stars_filters_edits_and_remembers_entries()
    {
        await using var browser = await AppInBrowser.Open("an app to track my houseplants");
        var first = await browser.Run("""
            type("#entry-name", "Monstera"); type("#entry-tag", "living room"); type("#entry-notes", "Water weekly");
            submit("#entry-form");
            type("#entry-name", "Fern"); submit("#entry-form");
            result.names = texts(".entry h3");
            click(".entry .icon-btn[aria-label^=Star]");
            click("[data-show=starred]");
            result.starred = texts(".entry h3");
            click("[data-show=all]");
            type("#search", "living");
            result.searched = texts(".entry h3");
            type("#search", "");
            click(".entry .icon-btn[aria-label^=Edit]");
            type("#entry-name", "Boston fern"); submit("#entry-form");
            result.edited = texts(".entry h3");
            result.count = text("#count");
            """);
        Assert.Equal(["Fern", "Monstera"], Strings(first, "names"));
        Assert.Equal(["Fern"], Strings(first, "starred"));
        Assert.Equal(["Monstera"], Strings(first, "searched"));
        Assert.Equal(["Boston fern", "Monstera"], Strings(first, "edited"));
        Assert.Equal("2 houseplants", first.GetProperty("count").GetString());

        var reloaded = await browser.Run("""result.names = texts(".entry h3");""");
        Assert.Equal(["Boston fern", "Monstera"], Strings(reloaded, "names"));
    }

    public static TheoryData<string[]> Apps => SampleApps.All;

    [Theory]
    [MemberData(nameof(Apps))]
    public async Task App_loads_without_errors_and_prompt_text_stays_text(string[] prompts)
    {
        await using var browser = await AppInBrowser.Open(prompts);
        var result = await browser.Run("""
            result.scripts = $$("script").length;
            result.images = $$("img").length;
            result.heading = text("h1");
            result.title = document.title;
            result.handlers = $$("*").filter((element) => [...element.attributes].some((a) => a.name.startsWith("on"))).length;
            """);
        Assert.Equal(3, result.GetProperty("scripts").GetInt32()); // the watcher, app.js and the test script
        Assert.Equal(0, result.GetProperty("images").GetInt32());
        Assert.Equal(0, result.GetProperty("handlers").GetInt32());
        Assert.Equal(browser.Plan.Title, result.GetProperty("heading").GetString());
        Assert.Equal(browser.Plan.Title, result.GetProperty("title").GetString());
    }

    private static string[] Strings(JsonElement result, string name) =>
        [.. result.GetProperty(name).EnumerateArray().Select(element => element.GetString() ?? "")];
}
