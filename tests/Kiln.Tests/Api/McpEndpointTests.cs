using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Api;

/// <summary>
/// A project's tools over Streamable HTTP, driven by the MCP SDK's own client, and the project's own token that guards
/// them: handed out by the API, refused for every other project, revoked with the project, kept across restarts and
/// instances, and never stored as itself.
/// </summary>
public sealed class McpEndpointTests
{
    private const string Token = "mcp-test-token";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_mcp_client_lists_the_tools_and_writes_a_file_with_its_events()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = Token });
        var projectId = await kiln.CreateReadyProjectAsync("made for MCP");

        await using var client = await kiln.ConnectMcpAsync(projectId, Token);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Contains(tools, t => t.Name == "write_file");

        var result = await client.CallToolAsync("write_file", new Dictionary<string, object?> { ["path"] = "hello.txt", ["content"] = "from mcp" }, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("from mcp", await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "hello.txt"), Ct));

        var refused = await client.CallToolAsync("read_file", new Dictionary<string, object?> { ["path"] = "../../kiln.db" }, cancellationToken: Ct);
        Assert.True(refused.IsError);
        Assert.Contains("Refused path", ((TextContentBlock)refused.Content[0]).Text, StringComparison.Ordinal);

        await using var events = kiln.Events(projectId, token: Token);
        var received = await events.ReadUntilAsync(TimeSpan.FromSeconds(10), "file_created");
        Assert.Equal("hello.txt", received[^1].GetProperty("data").GetProperty("path").GetString());
        var executed = await events.ReadUntilAsync(TimeSpan.FromSeconds(10), "tool_executed");
        Assert.True(executed[^1].GetProperty("data").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task The_api_hands_out_one_random_token_per_project_and_a_problem_for_an_unknown_project()
    {
        await using var kiln = KilnApp.Start();
        var first = await kiln.CreateReadyProjectAsync();
        var second = await kiln.CreateReadyProjectAsync();

        var (url, token) = await kiln.McpConnectionAsync(first);
        Assert.Equal(new Uri(kiln.BaseAddress, $"/mcp/{first}"), url);
        Assert.StartsWith("kiln_mcp_", token, StringComparison.Ordinal);
        // 256 random bits in base64url: 43 characters after the prefix, at least 128 bits whatever the alphabet.
        Assert.Equal(43, token["kiln_mcp_".Length..].Length);
        Assert.Equal(token, (await kiln.McpConnectionAsync(first)).Token);
        Assert.NotEqual(token, (await kiln.McpConnectionAsync(second)).Token);

        using var client = kiln.Client();
        using var missing = await client.GetAsync("/api/projects/aaaaaaaaaaaa/mcp", Ct);
        await AssertProblemAsync(missing, HttpStatusCode.NotFound, "GET /api/projects");
        using var malformed = await client.GetAsync("/api/projects/..%2F..%2Fetc/mcp", Ct);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }

    [Fact]
    public async Task Without_the_projects_token_the_endpoint_answers_401_whatever_else_is_presented()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var other = await kiln.CreateReadyProjectAsync();
        var (_, token) = await kiln.McpConnectionAsync(projectId);
        var (_, othersToken) = await kiln.McpConnectionAsync(other);

        // Knowing the id is not enough, nor is another project's token, nor something close to the token.
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, []), HttpStatusCode.Unauthorized, $"GET /api/projects/{projectId}/mcp");
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, Bearer(othersToken)), HttpStatusCode.Unauthorized, "not project");
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, Bearer(token[..^1])), HttpStatusCode.Unauthorized, "not project");
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, Bearer(token + "x")), HttpStatusCode.Unauthorized, "not project");
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, Bearer("")), HttpStatusCode.Unauthorized, "MCP token");
        // An unknown id answers as a wrong token does, so a caller cannot tell which ids exist.
        await AssertProblemAsync(await InitializeAsync(kiln, "aaaaaaaaaaaa", Bearer(token)), HttpStatusCode.Unauthorized, "not project");

        using var accepted = await InitializeAsync(kiln, projectId, Bearer(token));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using var inItsOwnHeader = await InitializeAsync(kiln, projectId, new() { ["Kiln-Mcp-Token"] = token });
        Assert.Equal(HttpStatusCode.OK, inItsOwnHeader.StatusCode);

        var refused = await Assert.ThrowsAnyAsync<HttpRequestException>(() => ConnectAsync(kiln, projectId, Bearer(othersToken)));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task With_kilns_own_token_set_both_tokens_are_needed()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = Token });
        var projectId = await kiln.CreateReadyProjectAsync();

        using (var anonymous = kiln.Client())
        using (var handOut = await anonymous.GetAsync($"/api/projects/{projectId}/mcp", Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, handOut.StatusCode);
        }

        var (_, token) = await kiln.McpConnectionAsync(projectId, Token);
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, Bearer(Token)), HttpStatusCode.Unauthorized, "Kiln-Mcp-Token");
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, Bearer(token)), HttpStatusCode.Unauthorized, "Kiln:Auth:Token");
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, new() { ["Kiln-Mcp-Token"] = token }), HttpStatusCode.Unauthorized, "Kiln:Auth:Token");

        using var both = await InitializeAsync(kiln, projectId, new() { ["Authorization"] = $"Bearer {Token}", ["Kiln-Mcp-Token"] = token });
        Assert.Equal(HttpStatusCode.OK, both.StatusCode);
    }

    [Fact]
    public async Task Deleting_the_project_revokes_its_token_even_for_a_client_already_connected()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var (_, token) = await kiln.McpConnectionAsync(projectId);
        await using var client = await ConnectAsync(kiln, projectId, Bearer(token));
        Assert.NotEmpty(await client.ListToolsAsync(cancellationToken: Ct));

        using (var api = kiln.Client())
        using (var deleted = await api.DeleteAsync($"/api/projects/{projectId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var afterDelete = await Assert.ThrowsAnyAsync<HttpRequestException>(async () => await client.CallToolAsync(
            "write_file", new Dictionary<string, object?> { ["path"] = "after.txt", ["content"] = "too late" }, cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, afterDelete.StatusCode);
        await AssertProblemAsync(await InitializeAsync(kiln, projectId, Bearer(token)), HttpStatusCode.Unauthorized, "revoked");
        Assert.False(Directory.Exists(Path.Combine(kiln.ProjectsRoot, projectId)));
    }

    [Fact]
    public async Task The_token_survives_a_restart_and_the_store_holds_only_its_hash()
    {
        var root = TempDirectory.Create("kiln-root");
        string projectId;
        string token;
        try
        {
            await using (var first = KilnApp.Start(projectsRoot: root))
            {
                first.KeepProjectsRoot = true;
                projectId = await first.CreateReadyProjectAsync();
                (_, token) = await first.McpConnectionAsync(projectId);
            }

            // Neither the database nor anything else under the root holds the token as it is sent.
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                Assert.DoesNotContain(token, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, Ct)), StringComparison.Ordinal);
            }

            await using var second = KilnApp.Start(projectsRoot: root);
            Assert.Equal(token, (await second.McpConnectionAsync(projectId)).Token);
            await using var client = await ConnectAsync(second, projectId, Bearer(token));
            Assert.NotEmpty(await client.ListToolsAsync(cancellationToken: Ct));
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    [Fact]
    public async Task Instances_on_one_redis_store_hand_out_and_accept_the_same_token()
    {
        var redis = await SharedRedis.GetAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Kiln:Store"] = "redis",
            ["Kiln:Redis:Configuration"] = redis.Configuration,
            ["Kiln:Redis:KeyPrefix"] = RedisServer.NewPrefix(),
        };
        await using var one = KilnApp.Start(settings);
        await using var two = KilnApp.Start(settings);
        var projectId = await one.CreateReadyProjectAsync();

        var (_, token) = await one.McpConnectionAsync(projectId);
        Assert.Equal(token, (await two.McpConnectionAsync(projectId)).Token);
        using var onTwo = await InitializeAsync(two, projectId, Bearer(token));
        Assert.Equal(HttpStatusCode.OK, onTwo.StatusCode);
        await AssertProblemAsync(await InitializeAsync(two, projectId, Bearer(token[..^2] + "AA")), HttpStatusCode.Unauthorized, "not project");

        using (var api = one.Client())
        using (var deleted = await api.DeleteAsync($"/api/projects/{projectId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await AssertProblemAsync(await InitializeAsync(two, projectId, Bearer(token)), HttpStatusCode.Unauthorized, "revoked");
    }

    internal static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = $"Bearer {token}" };

    internal static async Task<McpClient> ConnectAsync(KilnApp kiln, string projectId, Dictionary<string, string> headers) =>
        await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(kiln.BaseAddress, $"/mcp/{projectId}"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers,
            }),
            cancellationToken: Ct);

    /// <summary>An MCP <c>initialize</c> request as any client first sends it, with <paramref name="headers"/> and nothing else.</summary>
    private static async Task<HttpResponseMessage> InitializeAsync(KilnApp kiln, string projectId, Dictionary<string, string> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(kiln.BaseAddress, $"/mcp/{projectId}"))
        {
            Content = JsonRpc(new
            {
                jsonrpc = "2.0",
                id = 1,
                method = "initialize",
                @params = new { protocolVersion = "2025-06-18", capabilities = new { }, clientInfo = new { name = "test", version = "1" } },
            }),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var client = kiln.Client();
        return await client.SendAsync(request, Ct);
    }

    private static JsonContent JsonRpc(object message) => JsonContent.Create(message);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            if (status == HttpStatusCode.Unauthorized)
            {
                Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }
    }
}
