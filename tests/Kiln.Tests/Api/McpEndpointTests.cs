using System.Net;
using Kiln.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Api;

/// <summary>A project's tools over Streamable HTTP, driven by the MCP SDK's own client.</summary>
public sealed class McpEndpointTests
{
    private const string Token = "mcp-test-token";

    [Fact]
    public async Task An_mcp_client_lists_the_tools_and_writes_a_file_with_its_events()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = Token });
        var projectId = await kiln.CreateReadyProjectAsync("made for MCP");

        await using var client = await ConnectAsync(kiln, projectId, Token);
        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(tools, t => t.Name == "write_file");

        var result = await client.CallToolAsync("write_file", new Dictionary<string, object?> { ["path"] = "hello.txt", ["content"] = "from mcp" }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("from mcp", await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "hello.txt"), TestContext.Current.CancellationToken));

        var refused = await client.CallToolAsync("read_file", new Dictionary<string, object?> { ["path"] = "../../kiln.db" }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(refused.IsError);
        Assert.Contains("Refused path", ((TextContentBlock)refused.Content[0]).Text, StringComparison.Ordinal);

        await using var events = kiln.Events(projectId, token: Token);
        var received = await events.ReadUntilAsync(TimeSpan.FromSeconds(10), "file_created");
        Assert.Equal("hello.txt", received[^1].GetProperty("data").GetProperty("path").GetString());
        var executed = await events.ReadUntilAsync(TimeSpan.FromSeconds(10), "tool_executed");
        Assert.True(executed[^1].GetProperty("data").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task The_mcp_endpoint_needs_the_token_and_an_existing_project()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = Token });
        var projectId = await kiln.CreateReadyProjectAsync("made for MCP");

        var unauthorized = await Assert.ThrowsAnyAsync<HttpRequestException>(() => ConnectAsync(kiln, projectId, token: null));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        var missing = await Assert.ThrowsAnyAsync<HttpRequestException>(() => ConnectAsync(kiln, "aaaaaaaaaaaa", Token));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static async Task<McpClient> ConnectAsync(KilnApp kiln, string projectId, string? token)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri(kiln.BaseAddress, $"/mcp/{projectId}"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        };
        return await McpClient.CreateAsync(new HttpClientTransport(options), cancellationToken: TestContext.Current.CancellationToken);
    }
}
