using System.Net;
using System.Text.Json;
using Kiln.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Api;

/// <summary>
/// The MCP endpoint takes a <c>write_file</c> up to <c>Kiln:Tools:MaxFileBytes</c> (2 MiB by default, above the API's
/// 1 MiB body limit) however its JSON is escaped, and a bigger one reaches the tool, which answers the model with the
/// limit; the rest of the API keeps its own limit.
/// </summary>
public sealed class McpRequestSizeTests
{
    private const int MaxFileBytes = 2 * 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData('x')]
    // A control character is six bytes in JSON (\u0001) whatever the client's encoder: the largest a file's JSON can be.
    [InlineData('\u0001')]
    public async Task A_write_file_of_max_file_bytes_succeeds_over_mcp(char filler)
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        await using var client = await kiln.ConnectMcpAsync(projectId);

        var result = await client.CallToolAsync(
            "write_file", new Dictionary<string, object?> { ["path"] = "big.txt", ["content"] = new string(filler, MaxFileBytes) }, cancellationToken: Ct);

        Assert.True(result.IsError != true, Text(result));
        Assert.Equal(MaxFileBytes, new FileInfo(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "big.txt")).Length);
    }

    [Fact]
    public async Task A_bigger_write_file_comes_back_to_the_model_as_a_tool_error_that_says_the_limit()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        await using var client = await kiln.ConnectMcpAsync(projectId);

        var result = await client.CallToolAsync(
            "write_file", new Dictionary<string, object?> { ["path"] = "big.txt", ["content"] = new string('<', MaxFileBytes + 1) }, cancellationToken: Ct);

        Assert.True(result.IsError);
        Assert.Contains($"at most {MaxFileBytes}", Text(result), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "big.txt")));

        // The same client goes on working.
        var small = await client.CallToolAsync("write_file", new Dictionary<string, object?> { ["path"] = "small.txt", ["content"] = "ok" }, cancellationToken: Ct);
        Assert.True(small.IsError != true, Text(small));
    }

    [Fact]
    public async Task A_body_no_tool_call_could_need_is_a_413_problem_and_the_rest_of_the_api_keeps_its_own_limit()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var (url, token) = await kiln.McpConnectionAsync(projectId);
        using var client = kiln.Client();

        var limit = 6L * MaxFileBytes + 1024 * 1024;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(new byte[limit + 1]) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        // Kiln answers from the declared length before the body is sent, as a client that waits for 100-continue learns.
        request.Headers.ExpectContinue = true;
        using var tooLarge = await client.SendAsync(request, Ct);
        var body = await tooLarge.Content.ReadAsStringAsync(Ct);
        Assert.True(tooLarge.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)tooLarge.StatusCode}: {body}");
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var generateRequest = new HttpRequestMessage(HttpMethod.Post, "/api/generate")
        {
            Content = new ByteArrayContent(new byte[2 * 1024 * 1024]),
        };
        generateRequest.Content.Headers.ContentType = new("application/json");
        generateRequest.Headers.ExpectContinue = true;
        using var generate = await client.SendAsync(generateRequest, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, generate.StatusCode);
    }

    private static string Text(CallToolResult result) => string.Join('\n', result.Content.OfType<TextContentBlock>().Select(block => block.Text));
}
