using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

/// <summary>
/// What a browser sends for a page on another origin (another site, or a preview, which is the same site as
/// <c>localhost</c>) changes nothing and opens no event stream; Kiln's own pages and programs that are not
/// browsers keep working. The headers are the ones Chromium sends (<see cref="ForeignPageTests"/> runs the real one).
/// </summary>
public sealed class OriginGuardTests
{
    private const string Listed = "https://app.example.com";
    private const string Public = "https://kiln.example.com";

    private static KilnApp StartKiln() => KilnApp.Start(new Dictionary<string, string?>
    {
        ["Kiln:Cors:Origins:0"] = Listed,
        ["Kiln:PublicOrigins:0"] = Public,
    });

    [Fact]
    public async Task State_changing_requests_from_a_foreign_page_are_403_problems_and_change_nothing()
    {
        await using var kiln = StartKiln();
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();
        var preview = $"http://p-{projectId}.localhost:{kiln.BaseAddress.Port}";

        var foreign = new (string? Origin, string? Site)[]
        {
            ("https://evil.example", "cross-site"),
            ("https://evil.example", null), // a browser without Fetch Metadata
            (preview, "same-site"), // a preview calling Kiln at localhost
            (preview, "cross-site"), // a preview calling Kiln at 127.0.0.1
            ("null", "cross-site"), // a sandboxed frame, or a redirect
            (null, "same-site"),
            (null, "cross-site"),
        };
        foreach (var (origin, site) in foreign)
        {
            foreach (var (method, path) in new[] { (HttpMethod.Post, $"/api/projects/{projectId}/pin"), (HttpMethod.Delete, $"/api/projects/{projectId}"), (HttpMethod.Post, "/api/generate") })
            {
                using var request = Request(method, path, origin, site);
                if (path == "/api/generate")
                {
                    request.Content = JsonContent.Create(new { prompt = "a page that wins" });
                }

                using var response = await client.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} from {origin ?? "no origin"} ({site}) answered {(int)response.StatusCode}.");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Contains("Kiln:Cors:Origins", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        var status = await kiln.StatusAsync(projectId);
        Assert.False(status.GetProperty("pinned").GetBoolean());
        Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/projects")).EnumerateArray());
    }

    [Fact]
    public async Task Kilns_own_pages_trusted_origins_and_programs_that_are_not_browsers_may_change_state()
    {
        await using var kiln = StartKiln();
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();
        var own = kiln.BaseAddress.GetLeftPart(UriPartial.Authority);

        var allowed = new (string? Origin, string? Site)[]
        {
            (null, null), // curl, the generated client, an MCP client
            (own, "same-origin"),
            (own, null),
            ("http://localhost:1", "same-origin"), // a proxy changed the Host: the browser's own verdict stands
            (null, "same-origin"),
            (null, "none"), // typed by the person
            (Listed, "cross-site"),
            (Public, "cross-site"),
        };
        foreach (var (origin, site) in allowed)
        {
            using var pin = Request(HttpMethod.Post, $"/api/projects/{projectId}/pin", origin, site);
            using var pinned = await client.SendAsync(pin);
            Assert.True(pinned.StatusCode == HttpStatusCode.OK, $"POST pin from {origin ?? "no origin"} ({site}) answered {(int)pinned.StatusCode}.");
            using var unpin = Request(HttpMethod.Delete, $"/api/projects/{projectId}/pin", origin, site);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(unpin)).StatusCode);
        }

        // Reading stays open to any page: CORS, not this guard, decides what a page may read.
        using var read = Request(HttpMethod.Get, "/api/projects", "https://evil.example", "cross-site");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(read)).StatusCode);
    }

    [Fact]
    public async Task Event_streams_refuse_a_foreign_page_and_serve_kilns_own()
    {
        await using var kiln = StartKiln();
        var projectId = await kiln.CreateReadyProjectAsync();
        var own = kiln.BaseAddress.GetLeftPart(UriPartial.Authority);
        var ws = new UriBuilder(kiln.BaseAddress) { Scheme = "ws", Path = $"/ws/{projectId}" }.Uri;

        foreach (var origin in new[] { "https://evil.example", $"http://p-{projectId}.localhost:{kiln.BaseAddress.Port}" })
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Origin", origin);
            socket.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(ws, CancellationToken.None));
            Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        }

        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("Origin", own);
            await socket.ConnectAsync(ws, CancellationToken.None);
            Assert.Equal(WebSocketState.Open, socket.State);
        }

        using var client = kiln.Client();
        using (var sse = Request(HttpMethod.Get, $"/api/projects/{projectId}/events", "https://evil.example", "cross-site"))
        {
            sse.Headers.Accept.ParseAdd("text/event-stream");
            using var refused = await client.SendAsync(sse, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // A project with events, so the stream's headers leave at once.
        var generated = await kiln.GenerateAsync("a page");
        using (var sse = Request(HttpMethod.Get, $"/api/projects/{generated}/events", null, "same-origin"))
        {
            sse.Headers.Accept.ParseAdd("text/event-stream");
            using var served = await client.SendAsync(sse, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? origin, string? site)
    {
        var request = new HttpRequestMessage(method, path);
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        if (site is not null)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", site);
        }

        return request;
    }
}
