using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.WebUi;

/// <summary>The composer's Plan/Build toggle, and "Build it" on a plan's answer, in real Chromium.</summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed class PlanModeUiTests(Browser browser)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Plan_asks_for_a_plan_that_changes_nothing_and_Build_it_sends_the_plan_as_the_next_prompt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Shop</h1>" }), ScriptedReply.Text("Built the page."));
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-scripted",
        });
        var projectId = await kiln.GenerateAsync("a shop page");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(ui.Timeline.Locator(".callout-success")).ToHaveCountAsync(1);

        // Build is the default; Plan is one click.
        var build = page.Locator(".mode-option", new() { HasText = "Build" });
        var plan = page.Locator(".mode-option", new() { HasText = "Plan" });
        await Expect(build).ToHaveAttributeAsync("aria-pressed", "true");
        await plan.ClickAsync();
        await Expect(plan).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(build).ToHaveAttributeAsync("aria-pressed", "false");

        model.Enqueue(ScriptedReply.Text("1. Add a footer with the shop's address to index.html.\n2. Style it."));
        await page.Locator("#followup-prompt").FillAsync("how would you add a footer?");
        await page.Keyboard.PressAsync("Control+Enter");
        var answers = ui.Timeline.Locator(".callout-success");
        await Expect(answers).ToHaveCountAsync(2);
        var buildIt = answers.Nth(1).Locator(".build-plan");
        await Expect(buildIt).ToHaveTextAsync("Build it");
        // Only the plan's answer has it, and the plan changed nothing.
        await Expect(answers.Nth(0).Locator(".build-plan")).ToHaveCountAsync(0);
        Assert.DoesNotContain("write_file", model.ScriptedRequests[^1].ToolNames);
        using var client = kiln.Client();
        Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray());
        await ui.ScreenshotAsync("plan-answer");

        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Shop</h1><footer>1 Main St</footer>" }),
            ScriptedReply.Text("Added the footer."));
        await buildIt.ClickAsync();
        await Expect(answers).ToHaveCountAsync(3);
        await Expect(build).ToHaveAttributeAsync("aria-pressed", "true");
        var sent = model.ScriptedRequests[^2].UserTexts[^1];
        Assert.StartsWith("Build this plan:", sent, StringComparison.Ordinal);
        Assert.Contains("Add a footer with the shop's address", sent, StringComparison.Ordinal);
        Assert.Contains("write_file", model.ScriptedRequests[^2].ToolNames);

        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}", cancellationToken);
        Assert.Equal(["build", "plan", "build"], project.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("mode").GetString()));
        ui.AssertHealthy();
    }
}
