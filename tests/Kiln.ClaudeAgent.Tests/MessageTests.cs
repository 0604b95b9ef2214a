using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>Decoding the CLI's stream-json lines, read directly.</summary>
public sealed class MessageTests
{
    [Fact]
    public void A_line_that_is_not_json_is_a_decode_error_carrying_the_line()
    {
        var error = Assert.Throws<MessageDecodeException>(() => Message.Parse("Error: something broke"));

        Assert.Equal("Error: something broke", error.Line);
        Assert.Contains("Error: something broke", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_that_is_not_an_object_is_a_decode_error()
    {
        Assert.Equal("[1,2]", Assert.Throws<MessageDecodeException>(() => Message.Parse("[1,2]")).Line);
    }

    [Fact]
    public void An_unknown_message_type_is_kept_whole()
    {
        var message = Message.Parse("""{"type":"brand_new_thing","session_id":"s1","payload":{"x":1}}""");

        var unknown = Assert.IsType<UnknownMessage>(message);
        Assert.Equal("brand_new_thing", unknown.Type);
        Assert.Equal("s1", unknown.SessionId);
        Assert.Equal(1, unknown.Raw["payload"]!["x"]!.GetValue<int>());
    }

    [Fact]
    public void Unknown_fields_and_blocks_of_known_messages_are_kept()
    {
        var message = Message.Parse("""
            {"type":"assistant","future_field":true,"session_id":"s1","parent_tool_use_id":null,
             "message":{"model":"m","content":[
               {"type":"text","text":"Hi"},
               {"type":"tool_use","id":"t1","name":"mcp__kiln__echo","input":{"text":"x"}},
               {"type":"hologram","beam":3}]}}
            """);

        var assistant = Assert.IsType<AssistantMessage>(message);
        Assert.Equal("Hi", assistant.Text);
        var toolUse = Assert.IsType<ToolUseBlock>(assistant.Content[1]);
        Assert.Equal("mcp__kiln__echo", toolUse.Name);
        Assert.Equal("x", toolUse.Input["text"]!.GetValue<string>());
        Assert.Equal(3, Assert.IsType<UnknownBlock>(assistant.Content[2]).Raw["beam"]!.GetValue<int>());
        Assert.True(assistant.Raw["future_field"]!.GetValue<bool>());
    }

    [Fact]
    public void A_result_carries_cost_usage_turns_duration_and_its_subtype()
    {
        var message = Message.Parse("""
            {"type":"result","subtype":"error_max_budget_usd","is_error":true,"duration_ms":1500,"duration_api_ms":900,
             "num_turns":3,"total_cost_usd":0.0421,"stop_reason":"tool_use","errors":["Reached maximum budget ($0.01)"],
             "usage":{"input_tokens":100,"output_tokens":20,"cache_creation_input_tokens":5,"cache_read_input_tokens":7},
             "session_id":"s1","uuid":"u1"}
            """);

        var result = Assert.IsType<ResultMessage>(message);
        Assert.Equal(ResultSubtype.ErrorMaxBudgetUsd, result.Subtype);
        Assert.True(result.IsError);
        Assert.Equal(3, result.NumTurns);
        Assert.Equal(0.0421m, result.TotalCostUsd);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), result.Duration);
        Assert.Equal(new Usage(100, 20, 5, 7), result.Usage);
        Assert.Equal(["Reached maximum budget ($0.01)"], result.Errors);
    }

    [Fact]
    public void A_user_message_with_string_content_and_tool_results_decodes()
    {
        var prompt = Assert.IsType<UserMessage>(Message.Parse("""{"type":"user","message":{"role":"user","content":"hello"}}"""));
        var results = Assert.IsType<UserMessage>(Message.Parse("""
            {"type":"user","message":{"role":"user","content":[
              {"type":"tool_result","tool_use_id":"t1","is_error":true,"content":[{"type":"text","text":"denied"}]}]}}
            """));

        Assert.Equal("hello", Assert.IsType<TextBlock>(Assert.Single(prompt.Content)).Text);
        var result = Assert.IsType<ToolResultBlock>(Assert.Single(results.Content));
        Assert.True(result.IsError);
        Assert.Equal("denied", result.Text);
    }

    [Fact]
    public void System_messages_a_host_acts_on_are_typed_and_the_rest_keep_their_subtype()
    {
        var compact = Message.Parse("""{"type":"system","subtype":"compact_boundary","compact_metadata":{"trigger":"auto","pre_tokens":150000},"session_id":"s1"}""");
        var retry = Message.Parse("""{"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"retry_delay_ms":1200,"error_status":529,"error":"overloaded"}""");
        var started = Message.Parse("""{"type":"system","subtype":"task_started","task_id":"t1","description":"Run the tests","task_type":"local_bash"}""");
        var ended = Message.Parse("""{"type":"system","subtype":"task_notification","task_id":"t1","status":"failed","summary":"Tests failed.","output_file":"/tmp/t1.output"}""");
        var other = Message.Parse("""{"type":"system","subtype":"hook_response","hook_name":"PreToolUse"}""");
        var status = Message.Parse("""{"type":"system","subtype":"status","status":"compacting","permissionMode":"plan"}""");

        Assert.Equal(("auto", 150000L), (Assert.IsType<CompactBoundaryMessage>(compact).Trigger, ((CompactBoundaryMessage)compact).PreTokens));
        var apiRetry = Assert.IsType<ApiRetryMessage>(retry);
        Assert.Equal((2, 10, TimeSpan.FromMilliseconds(1200), 529, "overloaded"), (apiRetry.Attempt, apiRetry.MaxRetries, apiRetry.RetryDelay, apiRetry.ErrorStatus, apiRetry.Error));
        Assert.Equal(("t1", "Run the tests", "local_bash"), (Assert.IsType<TaskStartedMessage>(started).TaskId, ((TaskStartedMessage)started).Description, ((TaskStartedMessage)started).TaskType));
        var notification = Assert.IsType<TaskNotificationMessage>(ended);
        Assert.Equal(BackgroundTaskStatus.Failed, notification.Status);
        Assert.Equal("/tmp/t1.output", notification.OutputFile);
        Assert.Equal(("compacting", "plan"), (Assert.IsType<StatusMessage>(status).Status, ((StatusMessage)status).PermissionMode));
        var plain = Assert.IsType<SystemMessage>(other);
        Assert.Equal("hook_response", plain.Subtype);
        Assert.Equal("PreToolUse", plain.Raw["hook_name"]!.GetValue<string>());
    }

    [Fact]
    public void Hook_events_are_an_open_set_of_names()
    {
        Assert.Equal(35, HookEvent.Known.Count);
        Assert.Contains(new HookEvent("SubagentStart"), HookEvent.Known);
        Assert.Equal(HookEvent.PermissionRequest, new HookEvent("PermissionRequest"));
        Assert.Equal("SomethingNew", new HookEvent("SomethingNew").ToString());
    }

    [Fact]
    public void Permission_updates_read_and_write_the_cli_s_shapes()
    {
        var updates = new[]
        {
            """{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"npm test:*"}],"behavior":"allow","destination":"localSettings"}""",
            """{"type":"setMode","mode":"acceptEdits","destination":"session"}""",
            """{"type":"addDirectories","directories":["/etc"],"destination":"session"}""",
            """{"type":"teleport","to":"mars"}""",
        }.Select(u => JsonNode.Parse(u)!.AsObject()).ToList();

        var parsed = updates.Select(PermissionUpdate.From).ToList();

        Assert.Equal(
            new PermissionUpdate.AddRules([new PermissionRule("Bash", "npm test:*")], PermissionBehavior.Allow, PermissionDestination.LocalSettings).ToWire().ToJsonString(),
            parsed[0].ToWire().ToJsonString());
        Assert.Equal(new PermissionUpdate.SetMode(PermissionMode.AcceptEdits, PermissionDestination.Session), parsed[1]);
        Assert.Equal(["/etc"], Assert.IsType<PermissionUpdate.AddDirectories>(parsed[2]).Directories);
        Assert.IsType<PermissionUpdate.Unknown>(parsed[3]);
        Assert.All(updates.Zip(parsed), p => Assert.True(JsonNode.DeepEquals(p.First, p.Second.ToWire())));
    }
}
