using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Tests.WebUi;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Attachments;

/// <summary>Attaching files in the web UI: the Attach button, drop and paste, thumbnails, and a send that carries them.</summary>
[Collection(WebUiInChromium.Name)]
public sealed class AttachmentUiTests(OfflineKiln fixture, WebUi.Browser browser) : IClassFixture<OfflineKiln>
{
    [Fact]
    public async Task Files_attached_by_button_drop_and_paste_show_thumbnails_and_are_sent_with_the_prompt()
    {
        var kiln = fixture.Kiln;
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");
        var form = page.Locator("#new-project-form");

        await form.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "sketch.png", MimeType = "image/png", Buffer = AttachmentTests.Png },
            new FilePayload { Name = "menu.md", MimeType = "text/markdown", Buffer = "# Menu\n- bread\n"u8.ToArray() },
        });
        // Dropped onto the prompt box, and pasted into the prompt, as a person would.
        await form.EvaluateAsync("""
            form => {
              const transfer = new DataTransfer();
              transfer.items.add(new File(["a,b\n1,2\n"], "prices.csv", { type: "text/csv" }));
              form.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
              form.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
            """);
        await page.Locator("#new-prompt").EvaluateAsync("""
            textarea => {
              const transfer = new DataTransfer();
              transfer.items.add(new File(["not needed"], "extra.txt", { type: "text/plain" }));
              textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
            }
            """);

        var attached = form.Locator(".attachment");
        await Expect(attached.Locator(".attachment-name")).ToHaveTextAsync(["sketch.png", "menu.md", "prices.csv", "extra.txt"]);
        var thumbnail = attached.Locator("img.attachment-thumb");
        await Expect(thumbnail).ToHaveCountAsync(1);
        await Expect(thumbnail).ToHaveJSPropertyAsync("naturalWidth", 1); // The image itself, loaded.
        await form.GetByRole(AriaRole.Button, new() { Name = "Remove extra.txt" }).ClickAsync();
        await Expect(attached).ToHaveCountAsync(3);
        await ui.ScreenshotAsync("attachments-home");

        await page.Locator("#new-prompt").FillAsync("a menu page for my bakery");
        await page.Keyboard.PressAsync("Control+Enter");
        var projectId = await ui.ProjectIdAsync();

        await Expect(ui.Timeline.Locator(".attachment-list")).ToContainTextAsync("sketch.png");
        await Expect(ui.Timeline.Locator(".ev-file_created .file-name", new() { HasText = "public/uploads/menu.md" })).ToBeVisibleAsync();
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready", new() { Timeout = 60_000 });
        using var client = kiln.Client();
        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}");
        Assert.Equal(["sketch.png", "menu.md", "prices.csv"],
            project.GetProperty("prompts")[0].GetProperty("attachments").EnumerateArray().Select(file => file.GetProperty("name").GetString()));
        Assert.True(File.Exists(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "public", "uploads", "prices.csv")));

        // A follow-up with a file clears the list once sent.
        var followUp = page.Locator("#followup-form");
        await followUp.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = AttachmentTests.Png });
        await Expect(followUp.Locator(".attachment")).ToHaveCountAsync(1);
        await page.Locator("#followup-prompt").FillAsync("use this logo");
        await page.Locator("#followup-submit").ClickAsync();
        await Expect(followUp.Locator(".attachment")).ToHaveCountAsync(0);
        await Expect(ui.Timeline.Locator(".attachment-list")).ToHaveCountAsync(2);
        ui.AssertHealthy();
    }
}
