using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Kiln.Testing;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>The scripted model speaks the Messages API the way a client expects (checked over real HTTP).</summary>
public sealed class ScriptedModelServerTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Streams_text_and_tool_use_as_server_sent_events()
    {
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken: Ct);
        model.Enqueue(ScriptedReply.Of(ScriptedContent.Text("Calling."), ScriptedContent.ToolUse("echo", new { text = "hi" }, "toolu_1")));
        using var http = new HttpClient();

        using var response = await http.PostAsync($"{model.BaseUrl}/v1/messages?beta=true", Body(stream: true), Ct);
        var sse = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = sse.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToArray();
        Assert.Equal(
            ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
             "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events);
        var json = string.Concat(sse.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonNode.Parse(l[6..])!).Where(e => e["delta"]?["type"]?.GetValue<string>() == "input_json_delta")
            .Select(e => e["delta"]!["partial_json"]!.GetValue<string>()));
        Assert.Equal("""{"text":"hi"}""", json);
        Assert.Contains("\"stop_reason\":\"tool_use\"", sse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_plain_json_and_records_what_the_client_sent()
    {
        await using var model = await ScriptedModelServer.StartAsync(r => ScriptedReply.Text($"you said {r.LastUserText}"), Ct);
        using var http = new HttpClient();

        using var response = await http.PostAsync($"{model.BaseUrl}/v1/messages", Body(stream: false), Ct);
        var message = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("you said hello", message!["content"]![0]!["text"]!.GetValue<string>());
        var request = Assert.Single(model.ScriptedRequests);
        Assert.Equal("claude-test", request.Model);
        Assert.Equal("be brief", request.System);
        Assert.Equal(["echo"], request.ToolNames);
        var result = Assert.Single(request.ToolResults);
        Assert.True(result.IsError);
        Assert.Equal("no such file", result.Text);
    }

    [Fact]
    public async Task Side_calls_get_the_default_and_leave_the_script_alone()
    {
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken: Ct);
        model.Enqueue(ScriptedReply.Text("scripted"));
        using var http = new HttpClient();

        using var probe = await http.PostAsync($"{model.BaseUrl}/v1/messages",
            new StringContent("""{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"quota"}]}""", Encoding.UTF8, "application/json"), Ct);
        using var main = await http.PostAsync($"{model.BaseUrl}/v1/messages", Body(stream: false), Ct);

        Assert.Contains("scripted", await main.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal([true, false], model.Requests.Select(r => r.IsSideCall));
    }

    [Fact]
    public async Task Fails_with_the_api_error_shape_and_no_retry_hint()
    {
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken: Ct);
        model.Enqueue(ScriptedReply.Overloaded());
        using var http = new HttpClient();

        using var response = await http.PostAsync($"{model.BaseUrl}/v1/messages", Body(stream: true), Ct);

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("overloaded_error", error!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_hanging_reply_is_cut_off_when_the_server_is_disposed()
    {
        var model = await ScriptedModelServer.StartAsync(cancellationToken: Ct);
        model.Enqueue(ScriptedReply.Hanging);
        using var http = new HttpClient();

        var pending = http.PostAsync($"{model.BaseUrl}/v1/messages", Body(stream: false), Ct);
        await model.WaitForRequestAsync(_ => true, Ct);
        await model.DisposeAsync();

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => pending);
    }

    [Fact]
    public async Task Unknown_routes_are_recorded_and_answered_404_but_head_probes_succeed()
    {
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken: Ct);
        using var http = new HttpClient();

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"{model.BaseUrl}/api/hello"), Ct);
        using var other = await http.GetAsync($"{model.BaseUrl}/v1/files", Ct);
        using var count = await http.PostAsync($"{model.BaseUrl}/v1/messages/count_tokens", Body(stream: false), Ct);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.True((await count.Content.ReadFromJsonAsync<JsonObject>(Ct))!["input_tokens"]!.GetValue<int>() > 0);
        Assert.Equal(["HEAD /api/hello", "GET /v1/files"], model.OtherRequests);
    }

    private static StringContent Body(bool stream) => new($$$"""
        {"model":"claude-test","max_tokens":1024,"stream":{{{(stream ? "true" : "false")}}},
         "system":[{"type":"text","text":"be brief"}],
         "tools":[{"name":"echo","input_schema":{"type":"object"}}],
         "messages":[
           {"role":"user","content":"hello"},
           {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"echo","input":{}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":[{"type":"text","text":"no such file"}]}]}
         ]}
        """, Encoding.UTF8, "application/json");
}
