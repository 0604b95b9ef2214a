using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.WebUi;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Versions;

/// <summary>The git panel in Chromium: a push refused for its token says so, and one with the right token lands and is remembered.</summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed class GitPanelUiTests(WebUi.Browser browser)
{
    private const string Token = "kiln-ui-token-8c1d";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_git_panel_pushes_the_versions_and_says_why_a_push_failed()
    {
        await using var host = await GitHttpServer.StartAsync(Token);
        var remote = await host.CreateRepositoryAsync("ui.git");
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Git:AllowInsecureRemotes"] = "true" });
        var projectId = await kiln.GenerateAsync("a todo list for my groceries");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready");

        await page.Locator("#git-push").ClickAsync();
        var panel = page.Locator("#git-panel");
        await Expect(panel).ToContainTextAsync("Not pushed yet");
        await panel.GetByLabel("Remote", new() { Exact = true }).FillAsync(remote);
        await panel.GetByLabel("Token", new() { Exact = true }).FillAsync("not-the-token");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Push" }).ClickAsync();
        await Expect(panel.Locator(".git-failure")).ToContainTextAsync("refused the token", new() { Timeout = (float)Timeout.TotalMilliseconds });
        await Expect(panel.Locator(".git-last")).ToContainTextAsync("failed");

        await panel.GetByLabel("Token", new() { Exact = true }).FillAsync(Token);
        await panel.GetByLabel("Remember the token").CheckAsync();
        await panel.GetByRole(AriaRole.Button, new() { Name = "Push" }).ClickAsync();
        await Expect(panel.Locator(".git-last")).ToContainTextAsync("1 new commit on main", new() { Timeout = (float)Timeout.TotalMilliseconds });
        await Expect(panel.Locator(".git-failure")).ToHaveCountAsync(0);
        await Expect(panel.GetByLabel("Token", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(panel.Locator(".git-token-stored")).ToContainTextAsync("A token is stored");
        await Expect(ui.Timeline.Locator("[data-type='git_pushed']")).ToHaveCountAsync(1);
        await ui.ScreenshotAsync("git-panel");
        Assert.Equal("a todo list for my groceries", (await host.GitInAsync("ui.git", "log", "-1", "--format=%s", "main")).Trim());

        // The stored token pushes again with the field left empty.
        await panel.GetByRole(AriaRole.Button, new() { Name = "Push" }).ClickAsync();
        await Expect(panel.Locator(".git-last")).ToContainTextAsync("already up to date", new() { Timeout = (float)Timeout.TotalMilliseconds });
        ui.AssertHealthy();
    }
}
