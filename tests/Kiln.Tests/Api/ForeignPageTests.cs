using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.WebUi;

namespace Kiln.Tests.Api;

/// <summary>
/// A hostile app's page in real Chromium, on its preview origin (<c>p-{id}.localhost</c>: the same site as
/// <c>localhost</c>, another site than <c>127.0.0.1</c>), tries what issue 16 found open: a body-less POST that
/// needs no preflight, a DELETE, the event WebSocket and EventSource of another project. Nothing gets through;
/// Kiln's own page still does all of it.
/// </summary>
[Collection(WebUiInChromium.Name)]
public sealed class ForeignPageTests(WebUi.Browser browser)
{
    private const string Attack = """
        <!doctype html><title>attacker</title><h1>a preview</h1>
        <script>
          const results = {};
          const attempt = async (name, f) => { try { results[name] = String(await f()); } catch (e) { results[name] = "failed"; } };
          const socket = url => new Promise(done => {
            const s = new WebSocket(url);
            s.onopen = () => { done("open"); s.close(); };
            s.onerror = () => done("failed");
          });
          const stream = url => new Promise(done => {
            const es = new EventSource(url);
            es.onopen = () => { done("open"); es.close(); };
            es.onerror = () => { done("failed"); es.close(); };
          });
          (async () => {
            for (const base of BASES) {
              await attempt(base + " pin", () => fetch(base + "/api/projects/VICTIM/pin", { method: "POST", mode: "no-cors" }).then(r => "sent"));
              await attempt(base + " delete", () => fetch(base + "/api/projects/VICTIM", { method: "DELETE" }).then(r => r.status));
              await attempt(base + " ws", () => socket(base.replace("http", "ws") + "/ws/VICTIM"));
              await attempt(base + " events", () => stream(base + "/api/projects/VICTIM/events"));
            }
            window.results = results;
          })();
        </script>
        """;

    [Fact]
    public async Task A_preview_page_cannot_pin_delete_or_listen_to_another_project_through_kilns_api()
    {
        await using var kiln = KilnApp.Start();
        var attacker = await kiln.CreateReadyProjectAsync();
        var victim = await kiln.CreateReadyProjectAsync();
        var port = kiln.BaseAddress.Port;
        string[] bases = [$"http://localhost:{port}", $"http://127.0.0.1:{port}"];
        await File.WriteAllTextAsync(
            Path.Join(kiln.ProjectsRoot, attacker, "generated-app", "index.html"),
            Attack.Replace("BASES", JsonSerializer.Serialize(bases), StringComparison.Ordinal).Replace("VICTIM", victim, StringComparison.Ordinal));

        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        await ui.Page.GotoAsync($"http://p-{attacker}.localhost:{port}/");
        await ui.Page.WaitForFunctionAsync("() => window.results !== undefined", null, new() { Timeout = 30_000 });
        var results = JsonSerializer.Deserialize<Dictionary<string, string>>(await ui.Page.EvaluateAsync<string>("() => JSON.stringify(window.results)"))!;

        foreach (var site in bases)
        {
            Assert.Equal("failed", results[$"{site} delete"]); // no CORS for a preview: the preflight fails
            Assert.Equal("failed", results[$"{site} ws"]);
            Assert.Equal("failed", results[$"{site} events"]);
        }

        // The no-cors POST was sent (its answer is opaque to the page) and refused.
        using var client = kiln.Client();
        Assert.False((await kiln.StatusAsync(victim)).GetProperty("pinned").GetBoolean());
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/api/projects")).GetArrayLength());

        // The same calls from Kiln's own page go through.
        await ui.Page.GotoAsync(kiln.BaseAddress.ToString());
        var own = await ui.Page.EvaluateAsync<string>(
            """
            async victim => {
              const pin = await fetch(`/api/projects/${victim}/pin`, { method: "POST" });
              const ws = await new Promise(done => {
                const s = new WebSocket(location.origin.replace("http", "ws") + `/ws/${victim}`);
                s.onopen = () => { done("open"); s.close(); };
                s.onerror = () => done("failed");
              });
              return `${pin.status} ${ws}`;
            }
            """, victim);
        Assert.Equal("200 open", own);
        Assert.True((await kiln.StatusAsync(victim)).GetProperty("pinned").GetBoolean());
    }
}
