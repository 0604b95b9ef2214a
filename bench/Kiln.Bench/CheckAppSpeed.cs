using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kiln.Bench;

/// <summary>
/// check_app's speed (issue 14): a warm check of a running react-ts page, called over Kiln's MCP endpoint as an agent
/// calls it, against the same page opened by bare Playwright in the same run and the same Chromium (a new context, goto
/// until load, a screenshot). check_app also waits for the network to go quiet (at least 500 ms), so a second baseline
/// does the same, to show what the settling costs and what Kiln's own work costs.
/// </summary>
public static class CheckAppSpeed
{
    private const string Chromium = "/usr/bin/chromium";

    public static async Task<IReadOnlyList<Measurement.Result>> RunAsync(int samples)
    {
        await using var model = await ScriptedModelServer.StartAsync(PreviewSpeed.ReactTsScript);
        await using var kiln = await PreviewSpeed.StartScriptedAsync(model, cacheDirectory: null);
        var preview = await PreviewSpeed.GenerateUntilPreviewAsync(kiln, "a react app to check");

        // The endpoint needs the project's own token, which the API hands out with its URL.
        using var api = new HttpClient { BaseAddress = kiln.BaseAddress };
        var connection = await api.GetFromJsonAsync<JsonElement>($"/api/projects/{preview.ProjectId}/mcp");
        await using var mcp = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(connection.GetProperty("url").GetString()!),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {connection.GetProperty("token").GetString()}" },
        }));
        var checkTimes = new List<double>();

        async Task CheckAppAsync()
        {
            var result = await mcp.CallToolAsync("check_app", new Dictionary<string, object?> { ["path"] = "/" });
            var text = string.Join('\n', result.Content.OfType<TextContentBlock>().Select(block => block.Text));
            if (result.IsError == true || !text.Contains("No errors", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"check_app did not find the scaffold's page clean: {text}");
            }

            // "Checked / at 1280×800 in 812 ms." — the time inside Kiln's browser, without the MCP round trip.
            var inside = text[(text.IndexOf(" in ", StringComparison.Ordinal) + 4)..text.IndexOf(" ms.", StringComparison.Ordinal)];
            checkTimes.Add(double.Parse(inside, CultureInfo.InvariantCulture));
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--disable-gpu", "--disable-dev-shm-usage", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
        });

        async Task BareAsync(WaitUntilState until)
        {
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
                DeviceScaleFactor = 1,
            });
            var page = await context.NewPageAsync();
            await page.GotoAsync(preview.Url.ToString(), new PageGotoOptions { WaitUntil = until });
            await page.ScreenshotAsync(new PageScreenshotOptions { Type = ScreenshotType.Png });
        }

        // Two warm-ups: the first check starts Kiln's browser, the second lets Vite's module cache and the JIT settle.
        var againstLoad = await Measurement.CompareAsync(
            "check_app, warm react-ts page: via MCP vs bare goto (load) + screenshot",
            samples, CheckAppAsync, () => BareAsync(WaitUntilState.Load), target: "candidate <= 1500 ms", warmup: 2);
        var againstIdle = await Measurement.CompareAsync(
            "check_app, the same: via MCP vs bare goto (network idle) + screenshot",
            samples, CheckAppAsync, () => BareAsync(WaitUntilState.NetworkIdle), target: "(no target; shows the cost of settling)", warmup: 0);
        checkTimes.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  check_app inside Kiln (its own report, median of {checkTimes.Count}): {checkTimes[checkTimes.Count / 2]:F0} ms"));
        return [againstLoad, againstIdle];
    }
}
