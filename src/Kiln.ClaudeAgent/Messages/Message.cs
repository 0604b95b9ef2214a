using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// One message the CLI emits on stdout (an <c>SDKMessage</c>). Each subtype names the fields a host
/// needs; <see cref="Raw"/> keeps every field the CLI sent, and a message type this library does not
/// know arrives as <see cref="UnknownMessage"/> rather than failing the stream.
/// </summary>
public abstract record Message
{
    /// <summary>The message as the CLI sent it.</summary>
    public required JsonObject Raw { get; init; }

    /// <summary>The message's <c>type</c>, e.g. <c>assistant</c>.</summary>
    public string Type => Raw.Str("type") ?? "";

    /// <summary>The session it belongs to.</summary>
    public string? SessionId => Raw.Str("session_id");

    /// <summary>The message's uuid, when it has one.</summary>
    public string? Uuid => Raw.Str("uuid");

    /// <summary>Decodes one line of the CLI's stream-json output.</summary>
    /// <exception cref="MessageDecodeException">The line is not a JSON object.</exception>
    public static Message Parse(string line) => FromJson(ParseObject(line));

    /// <summary>The typed message for a decoded JSON object.</summary>
    public static Message FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return json.Str("type") switch
        {
            "system" => SystemMessage.From(json),
            "assistant" => AssistantMessage.From(json),
            "user" => UserMessage.From(json),
            "result" => ResultMessage.From(json),
            "stream_event" => new StreamEventMessage
            {
                Raw = json,
                Event = json.Obj("event"),
                ParentToolUseId = json.Str("parent_tool_use_id"),
            },
            _ => new UnknownMessage { Raw = json },
        };
    }

    internal static JsonObject ParseObject(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            return JsonNode.Parse(line) as JsonObject
                ?? throw new MessageDecodeException(line, "The line is JSON but not an object.");
        }
        catch (JsonException e)
        {
            throw new MessageDecodeException(line, e.Message, e);
        }
    }
}

/// <summary>What the model said or did in one step: text, thinking and tool calls.</summary>
public sealed record AssistantMessage : Message
{
    /// <summary>The content blocks.</summary>
    public required IReadOnlyList<ContentBlock> Content { get; init; }

    /// <summary>The model that wrote it.</summary>
    public string? Model { get; init; }

    /// <summary>Set when a subagent's tool call produced it.</summary>
    public string? ParentToolUseId { get; init; }

    /// <summary>Why the API call failed, when it did (<c>rate_limit</c>, <c>overloaded</c>, <c>invalid_request</c>, …).</summary>
    public string? Error { get; init; }

    /// <summary>The text blocks, joined.</summary>
    public string Text => string.Concat(Content.OfType<TextBlock>().Select(b => b.Text));

    internal static AssistantMessage From(JsonObject json)
    {
        var message = json.Obj("message");
        return new()
        {
            Raw = json,
            Content = ContentBlock.ListFrom(message["content"]),
            Model = message.Str("model"),
            ParentToolUseId = json.Str("parent_tool_use_id"),
            Error = json.Str("error"),
        };
    }
}

/// <summary>A user turn: the prompt, or tool results the CLI sends back to the model.</summary>
public sealed record UserMessage : Message
{
    /// <summary>The content blocks (tool results are <see cref="ToolResultBlock"/>s).</summary>
    public required IReadOnlyList<ContentBlock> Content { get; init; }

    /// <summary>Set when it belongs to a subagent.</summary>
    public string? ParentToolUseId { get; init; }

    /// <summary>The tool's own structured result, beside what the model sees.</summary>
    public JsonNode? ToolUseResult { get; init; }

    internal static UserMessage From(JsonObject json) => new()
    {
        Raw = json,
        Content = ContentBlock.ListFrom(json.Obj("message")["content"]),
        ParentToolUseId = json.Str("parent_tool_use_id"),
        ToolUseResult = json["tool_use_result"],
    };
}

/// <summary>How a turn ended (<c>result</c>'s subtype).</summary>
public enum ResultSubtype
{
    /// <summary>A subtype this library does not know; see <see cref="Message.Raw"/>.</summary>
    Unknown,

    /// <summary>The turn finished.</summary>
    Success,

    /// <summary>The turn failed (an API error, an interrupt, a crash of the loop).</summary>
    ErrorDuringExecution,

    /// <summary>The turn hit <see cref="ClaudeAgentOptions.MaxTurns"/>.</summary>
    ErrorMaxTurns,

    /// <summary>The session hit <see cref="ClaudeAgentOptions.MaxBudgetUsd"/>.</summary>
    ErrorMaxBudgetUsd,

    /// <summary>Structured output failed validation too often.</summary>
    ErrorMaxStructuredOutputRetries,
}

/// <summary>Token counts of a turn.</summary>
/// <param name="InputTokens">Uncached input tokens.</param>
/// <param name="OutputTokens">Output tokens.</param>
/// <param name="CacheCreationInputTokens">Input tokens written to the prompt cache.</param>
/// <param name="CacheReadInputTokens">Input tokens read from the prompt cache.</param>
public sealed record Usage(long InputTokens, long OutputTokens, long CacheCreationInputTokens, long CacheReadInputTokens);

/// <summary>The end of a turn: how it ended, what it cost, how long it took.</summary>
public sealed record ResultMessage : Message
{
    /// <summary>How the turn ended.</summary>
    public required ResultSubtype Subtype { get; init; }

    /// <summary>Whether the turn ended in an error.</summary>
    public bool IsError { get; init; }

    /// <summary>The final text, on success.</summary>
    public string? Result { get; init; }

    /// <summary>The error messages, on error subtypes.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Agent turns taken.</summary>
    public int NumTurns { get; init; }

    /// <summary>Wall-clock time of the turn.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Time spent waiting on the model.</summary>
    public TimeSpan ApiDuration { get; init; }

    /// <summary>The session's cost so far, in US dollars.</summary>
    public decimal TotalCostUsd { get; init; }

    /// <summary>Token counts.</summary>
    public required Usage Usage { get; init; }

    /// <summary>The model's last stop_reason.</summary>
    public string? StopReason { get; init; }

    /// <summary>The HTTP status of the API error that ended the turn, if one did (e.g. 400, 529).</summary>
    public int? ApiErrorStatus { get; init; }

    /// <summary>With <see cref="ClaudeAgentOptions.OutputFormat"/>: the answer, matching its schema (null on error subtypes).</summary>
    public JsonNode? StructuredOutput { get; init; }

    /// <summary>Why the loop ended, as the CLI words it: <c>completed</c>, <c>aborted_streaming</c> (interrupted), <c>max_turns</c>, ….</summary>
    public string? TerminalReason { get; init; }

    internal static ResultMessage From(JsonObject json)
    {
        var usage = json.Obj("usage");
        return new()
        {
            Raw = json,
            Subtype = json.Str("subtype") switch
            {
                "success" => ResultSubtype.Success,
                "error_during_execution" => ResultSubtype.ErrorDuringExecution,
                "error_max_turns" => ResultSubtype.ErrorMaxTurns,
                "error_max_budget_usd" => ResultSubtype.ErrorMaxBudgetUsd,
                "error_max_structured_output_retries" => ResultSubtype.ErrorMaxStructuredOutputRetries,
                _ => ResultSubtype.Unknown,
            },
            IsError = json.Bool("is_error"),
            Result = json.Str("result"),
            Errors = json.Strings("errors"),
            NumTurns = (int)json.Long("num_turns"),
            Duration = TimeSpan.FromMilliseconds(json.Long("duration_ms")),
            ApiDuration = TimeSpan.FromMilliseconds(json.Long("duration_api_ms")),
            TotalCostUsd = json.Decimal("total_cost_usd"),
            Usage = new Usage(
                usage.Long("input_tokens"),
                usage.Long("output_tokens"),
                usage.Long("cache_creation_input_tokens"),
                usage.Long("cache_read_input_tokens")),
            StopReason = json.Str("stop_reason"),
            TerminalReason = json.Str("terminal_reason"),
            StructuredOutput = json["structured_output"],
            ApiErrorStatus = json.NullableInt("api_error_status"),
        };
    }
}

/// <summary>A raw event of the model's stream (with <see cref="ClaudeAgentOptions.IncludePartialMessages"/>).</summary>
public sealed record StreamEventMessage : Message
{
    /// <summary>The Messages API stream event, e.g. a <c>content_block_delta</c>.</summary>
    public required JsonObject Event { get; init; }

    /// <summary>The event's <c>type</c>.</summary>
    public string EventType => Event.Str("type") ?? "";

    /// <summary>Set when it belongs to a subagent.</summary>
    public string? ParentToolUseId { get; init; }
}

/// <summary>A message type this library does not know; <see cref="Message.Raw"/> has all of it.</summary>
public sealed record UnknownMessage : Message;
