using System.Net.Http.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.WebUi;

/// <summary>The Environment panel of a project, in Chromium: variables edited and saved, secrets written, listed by name only and deleted.</summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed class EnvironmentPanelTests(OfflineKiln fixture, Browser browser) : IClassFixture<OfflineKiln>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private KilnApp Kiln => fixture.Kiln;

    [Fact]
    public async Task Variables_are_saved_and_secrets_are_write_only_listed_by_name_and_deleted()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var projectId = await Kiln.GenerateAsync("a recipe box for my soups", cancellationToken: cancellationToken);
        await Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(Kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready");

        await page.Locator("#environment").ClickAsync();
        var panel = page.Locator("#env-panel");
        await Expect(panel).ToContainTextAsync("No secrets yet");

        await panel.GetByRole(AriaRole.Button, new() { Name = "Add variable" }).ClickAsync();
        await panel.GetByLabel("Variable name").FillAsync("VITE_TITLE");
        await panel.GetByLabel("Value of the variable").FillAsync("Soup of the day");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Save variables" }).ClickAsync();
        await Expect(page.Locator(".toast").Last).ToContainTextAsync("Variables saved");
        using var client = Kiln.Client();
        Assert.Equal(
            new Dictionary<string, string> { ["VITE_TITLE"] = "Soup of the day" },
            await client.GetFromJsonAsync<Dictionary<string, string>>($"/api/projects/{projectId}/env", cancellationToken));

        // A secret the bundler would ship to the browser is refused, and the panel says why.
        await panel.GetByLabel("Secret name").FillAsync("VITE_STRIPE_KEY");
        await panel.GetByLabel("Secret value").FillAsync("sk_test_0123456789");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Add secret" }).ClickAsync();
        await Expect(panel.GetByRole(AriaRole.Alert)).ToContainTextAsync("browser");

        const string value = "sk_test_abcdefghijklmnop";
        await panel.GetByLabel("Secret name").FillAsync("STRIPE_SECRET_KEY");
        await panel.GetByLabel("Secret value").FillAsync(value);
        await panel.GetByRole(AriaRole.Button, new() { Name = "Add secret" }).ClickAsync();
        var row = panel.Locator(".env-secret[data-name='STRIPE_SECRET_KEY']");
        await Expect(row).ToContainTextAsync("set ");
        await Expect(panel.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        // Write-only: once saved, the value is nowhere in the page, not even in the form it was typed into.
        Assert.DoesNotContain(value, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal("", await panel.GetByLabel("Secret value").InputValueAsync());
        await ui.ScreenshotAsync("environment-panel");

        // Opened again, the panel shows what Kiln stored.
        await page.Keyboard.PressAsync("Escape");
        await Expect(panel).ToBeHiddenAsync();
        await page.Locator("#environment").ClickAsync();
        await Expect(panel.GetByLabel("Variable name")).ToHaveValueAsync("VITE_TITLE");
        await Expect(panel.GetByLabel("Value of VITE_TITLE")).ToHaveValueAsync("Soup of the day");
        await Expect(row).ToBeVisibleAsync();

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete secret STRIPE_SECRET_KEY" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(panel).ToContainTextAsync("No secrets yet");
        Assert.Equal("[]", await client.GetStringAsync($"/api/projects/{projectId}/secrets", cancellationToken));
        ui.AssertHealthy();
    }
}
