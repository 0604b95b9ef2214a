using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// A <c>system</c> message: the CLI reporting on the session rather than the conversation. The subtypes a
/// host acts on are typed (<see cref="InitMessage"/>, <see cref="TaskStartedMessage"/>, …); any other
/// arrives as a plain <see cref="SystemMessage"/> with its <see cref="Subtype"/> and <see cref="Message.Raw"/>.
/// </summary>
public record SystemMessage : Message
{
    /// <summary>The message's <c>subtype</c>, e.g. <c>init</c>, <c>compact_boundary</c>, <c>hook_response</c>.</summary>
    public required string Subtype { get; init; }

    internal static SystemMessage From(JsonObject json)
    {
        var subtype = json.Str("subtype") ?? "";
        return subtype switch
        {
            "init" => InitMessage.From(json),
            "compact_boundary" => new CompactBoundaryMessage
            {
                Raw = json,
                Subtype = subtype,
                Trigger = json.Obj("compact_metadata").Str("trigger") ?? "",
                PreTokens = json.Obj("compact_metadata").Long("pre_tokens"),
            },
            "status" => new StatusMessage { Raw = json, Subtype = subtype, Status = json.Str("status"), PermissionMode = json.Str("permissionMode") },
            "api_retry" => new ApiRetryMessage
            {
                Raw = json,
                Subtype = subtype,
                Attempt = (int)json.Long("attempt"),
                MaxRetries = (int)json.Long("max_retries"),
                RetryDelay = TimeSpan.FromMilliseconds(json.Long("retry_delay_ms")),
                ErrorStatus = json.NullableInt("error_status"),
                Error = json.Str("error"),
            },
            "task_started" => new TaskStartedMessage
            {
                Raw = json,
                Subtype = subtype,
                TaskId = json.Str("task_id") ?? "",
                Description = json.Str("description") ?? "",
                TaskType = json.Str("task_type"),
                ToolUseId = json.Str("tool_use_id"),
            },
            "task_notification" => new TaskNotificationMessage
            {
                Raw = json,
                Subtype = subtype,
                TaskId = json.Str("task_id") ?? "",
                Status = new BackgroundTaskStatus(json.Str("status") ?? ""),
                Summary = json.Str("summary") ?? "",
                OutputFile = json.Str("output_file"),
                ToolUseId = json.Str("tool_use_id"),
            },
            _ => new SystemMessage { Raw = json, Subtype = subtype },
        };
    }
}

/// <summary>The session's first message: what the CLI loaded (<c>system</c>/<c>init</c>).</summary>
public sealed record InitMessage : SystemMessage
{
    /// <summary>The agent's working directory.</summary>
    public required string Cwd { get; init; }

    /// <summary>The model in use.</summary>
    public required string Model { get; init; }

    /// <summary>The tools the model is offered, e.g. <c>mcp__kiln__echo</c>.</summary>
    public required IReadOnlyList<string> Tools { get; init; }

    /// <summary>MCP servers and their connection status.</summary>
    public required IReadOnlyList<McpServerStatus> McpServers { get; init; }

    /// <summary>The subagents the agent can start.</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>The permission mode, as the CLI spells it.</summary>
    public string? PermissionMode { get; init; }

    /// <summary>The CLI's version.</summary>
    public string? ClaudeCodeVersion { get; init; }

    internal static new InitMessage From(JsonObject json) => new()
    {
        Raw = json,
        Subtype = "init",
        Cwd = json.Str("cwd") ?? "",
        Model = json.Str("model") ?? "",
        Tools = json.Strings("tools"),
        McpServers = [.. json.Objects("mcp_servers").Select(McpServerStatus.From)],
        Agents = json.Strings("agents"),
        PermissionMode = json.Str("permissionMode"),
        ClaudeCodeVersion = json.Str("claude_code_version"),
    };
}

/// <summary>The conversation was compacted: what came before is now a summary (<c>compact_boundary</c>).</summary>
public sealed record CompactBoundaryMessage : SystemMessage
{
    /// <summary><c>manual</c> (the <c>/compact</c> command) or <c>auto</c> (the context filled up).</summary>
    public required string Trigger { get; init; }

    /// <summary>The conversation's size before it was compacted.</summary>
    public long PreTokens { get; init; }
}

/// <summary>The session's state changed, e.g. it started or finished compacting (<c>status</c>).</summary>
public sealed record StatusMessage : SystemMessage
{
    /// <summary>What the session is busy with (<c>compacting</c>), or null when it is no longer busy.</summary>
    public string? Status { get; init; }

    /// <summary>The permission mode, when it changed.</summary>
    public string? PermissionMode { get; init; }
}

/// <summary>A request to the model failed and will be retried (<c>api_retry</c>).</summary>
public sealed record ApiRetryMessage : SystemMessage
{
    /// <summary>Which retry this is, from 1.</summary>
    public int Attempt { get; init; }

    /// <summary>How many retries the CLI makes at most.</summary>
    public int MaxRetries { get; init; }

    /// <summary>How long the CLI waits before this retry.</summary>
    public TimeSpan RetryDelay { get; init; }

    /// <summary>The HTTP status of the failure, when there was a response.</summary>
    public int? ErrorStatus { get; init; }

    /// <summary>The kind of failure (<c>rate_limit</c>, <c>overloaded</c>, <c>server_error</c>, …).</summary>
    public string? Error { get; init; }
}

/// <summary>A background task started: a command run in the background or a subagent (<c>task_started</c>).</summary>
public sealed record TaskStartedMessage : SystemMessage
{
    /// <summary>The id <see cref="ClaudeAgentClient.StopTaskAsync"/> takes.</summary>
    public required string TaskId { get; init; }

    /// <summary>What the task does.</summary>
    public required string Description { get; init; }

    /// <summary>What kind of task it is, e.g. <c>local_bash</c> or <c>local_agent</c>.</summary>
    public string? TaskType { get; init; }

    /// <summary>The tool call that started it.</summary>
    public string? ToolUseId { get; init; }
}

/// <summary>A background task ended (<c>task_notification</c>).</summary>
public sealed record TaskNotificationMessage : SystemMessage
{
    /// <summary>The task's id, as <see cref="TaskStartedMessage.TaskId"/> gave it.</summary>
    public required string TaskId { get; init; }

    /// <summary>How it ended.</summary>
    public required BackgroundTaskStatus Status { get; init; }

    /// <summary>What it did, in a sentence.</summary>
    public required string Summary { get; init; }

    /// <summary>Where its output was written.</summary>
    public string? OutputFile { get; init; }

    /// <summary>The tool call that started it.</summary>
    public string? ToolUseId { get; init; }
}

/// <summary>How a background task ended; a string underneath, as the CLI may add states.</summary>
/// <param name="Value">The state as the CLI spells it.</param>
public readonly record struct BackgroundTaskStatus(string Value)
{
    /// <summary>It finished.</summary>
    public static BackgroundTaskStatus Completed { get; } = new("completed");

    /// <summary>It failed.</summary>
    public static BackgroundTaskStatus Failed { get; } = new("failed");

    /// <summary>It was stopped (<see cref="ClaudeAgentClient.StopTaskAsync"/>).</summary>
    public static BackgroundTaskStatus Stopped { get; } = new("stopped");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}
