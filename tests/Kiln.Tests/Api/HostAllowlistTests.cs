using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

/// <summary>
/// DNS rebinding: a page on a name the attacker controls, re-pointed at 127.0.0.1, is same-origin with itself and
/// would read and drive the whole API. Its requests still name that host, and Kiln answers only its own names.
/// </summary>
public sealed class HostAllowlistTests
{
    [Fact]
    public async Task A_request_for_a_host_kiln_does_not_know_is_a_400_problem_and_reaches_nothing()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();
        var port = kiln.BaseAddress.Port;

        foreach (var host in new[] { "evil.example", $"evil.example:{port}", $"127.0.0.1.nip.io:{port}", $"p-{projectId}.evil.example:{port}", $"localhost.evil.example:{port}" })
        {
            foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/projects"), (HttpMethod.Delete, $"/api/projects/{projectId}"), (HttpMethod.Get, "/") })
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Host = host;
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("Unknown host", problem.GetProperty("title").GetString());
                Assert.Contains("Kiln:PublicOrigins", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        // The DELETEs above never ran.
        Assert.Equal("ready", (await kiln.StatusAsync(projectId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Loopback_names_and_previews_on_localhost_are_answered()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        await File.WriteAllTextAsync(Path.Join(kiln.ProjectsRoot, projectId, "generated-app", "index.html"), "<h1>the app</h1>");
        using var client = kiln.Client();
        var port = kiln.BaseAddress.Port;

        foreach (var host in new[] { $"localhost:{port}", $"127.0.0.1:{port}", $"[::1]:{port}", "localhost", $"LOCALHOST:{port}" })
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, host, "/api/projects")).StatusCode);
        }

        using var preview = await SendAsync(client, $"p-{projectId}.localhost:{port}", "/");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Contains("the app", await preview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_domains_are_answered_and_others_still_are_not()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Kiln:PublicOrigins:0"] = "https://kiln.example.com",
            ["Kiln:Preview:Domain"] = "preview.example.com",
            ["AllowedHosts"] = "also.example.org;*.internal.example",
        });
        var projectId = await kiln.CreateReadyProjectAsync();
        await File.WriteAllTextAsync(Path.Join(kiln.ProjectsRoot, projectId, "generated-app", "index.html"), "<h1>the app</h1>");
        using var client = kiln.Client();

        foreach (var host in new[] { "kiln.example.com", "also.example.org", "a.internal.example", $"127.0.0.1:{kiln.BaseAddress.Port}" })
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, host, "/api/projects")).StatusCode);
        }

        using var preview = await SendAsync(client, $"p-{projectId}.preview.example.com", "/");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Contains("the app", await preview.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var host in new[] { "example.com", "preview.example.com.evil.example", "evil.example" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(client, host, "/api/projects")).StatusCode);
        }
    }

    [Fact]
    public async Task AllowedHosts_star_turns_the_check_off()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["AllowedHosts"] = "*" });
        using var client = kiln.Client();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "anything.example", "/api/projects")).StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        return await client.SendAsync(request);
    }
}
