using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Api;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Kiln.Tests.Api;

/// <summary>With a token configured, nothing but health and previews answers without it.</summary>
public sealed class AuthTests
{
    private const string Token = "s3cret-kiln-token";

    [Fact]
    public async Task Requests_without_the_token_are_refused_with_a_problem_details()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = Token });
        using var anonymous = kiln.Client();
        using var wrong = kiln.Client("not-the-token");

        foreach (var client in new[] { anonymous, wrong })
        {
            foreach (var path in new[] { "/api/projects", "/api/projects/aaaaaaaaaaaa/status", "/api/projects/aaaaaaaaaaaa/events" })
            {
                using var response = await client.GetAsync(path);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Contains("Authorization: Bearer", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            using var post = await client.PostAsJsonAsync("/api/generate", new { prompt = "a counter" });
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        }

        // No project was made (the root holds Kiln's own key ring from the start).
        Assert.DoesNotContain(Directory.GetDirectories(kiln.ProjectsRoot), directory => Kiln.Projects.ProjectIds.IsValid(Path.GetFileName(directory)));
        using var health = await anonymous.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_token_opens_the_api_and_the_websocket_through_access_token()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = Token });
        using var client = kiln.Client(Token);

        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "a counter for laps" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var projectId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString()!;

        await using (var refused = kiln.Events(projectId))
        {
            await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => refused.ConnectAsync());
        }

        await using var events = kiln.Events(projectId, token: Token);
        var received = await events.ReadUntilAsync(TimeSpan.FromSeconds(60), "generation_completed");
        Assert.Equal(1, received[0].GetProperty("seq").GetInt64());

        // The preview is a capability URL: its framing page and its own origin load without the token.
        using var anonymous = kiln.Client();
        using var frame = await anonymous.GetAsync($"/api/projects/{projectId}/preview/");
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = $"p-{projectId}.localhost:{kiln.BaseAddress.Port}";
        using var preview = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5300")]
    [InlineData("http://*:5300")]
    [InlineData("http://+:80")]
    [InlineData("http://192.168.1.20:5300")]
    [InlineData("http://kiln.example.com:5300")]
    [InlineData("http://127.0.0.1:5300;http://[::]:5301")]
    public void Listening_beyond_loopback_without_a_token_is_refused(string urls)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();

        var refusal = Assert.Throws<InvalidOperationException>(() => ListenGuard.EnsureSafe(configuration, new AuthOptions()));
        Assert.Contains("Kiln:Auth:Token", refusal.Message, StringComparison.Ordinal);
        ListenGuard.EnsureSafe(configuration, new AuthOptions { Token = Token });
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300")]
    [InlineData("http://localhost:5300")]
    [InlineData("http://[::1]:5300")]
    [InlineData("http://127.0.0.2:0")]
    public void Loopback_needs_no_token(string urls)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();
        ListenGuard.EnsureSafe(configuration, new AuthOptions());
    }

    [Fact]
    public void Ports_alone_bind_every_interface_and_need_a_token()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["http_ports"] = "8080" }).Build();
        Assert.Throws<InvalidOperationException>(() => ListenGuard.EnsureSafe(configuration, new AuthOptions()));
    }
}
