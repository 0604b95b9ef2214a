using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>Points of the agent loop where the CLI runs hooks (the subset a host commonly needs; the CLI knows more).</summary>
public enum HookEvent
{
    /// <summary>Before a tool runs; a hook may deny the call or change its input.</summary>
    PreToolUse,

    /// <summary>After a tool ran; a hook may add context for the model.</summary>
    PostToolUse,

    /// <summary>After a tool failed.</summary>
    PostToolUseFailure,

    /// <summary>When a user prompt is submitted.</summary>
    UserPromptSubmit,

    /// <summary>When the agent is about to stop.</summary>
    Stop,

    /// <summary>When a subagent is about to stop.</summary>
    SubagentStop,

    /// <summary>Before the conversation is compacted.</summary>
    PreCompact,

    /// <summary>When the CLI would notify the user.</summary>
    Notification,

    /// <summary>When a session starts or resumes.</summary>
    SessionStart,

    /// <summary>When a session ends.</summary>
    SessionEnd,
}

/// <summary>A hook: runs when <paramref name="input"/>'s event fires for a matching tool.</summary>
/// <param name="input">What the CLI reports about the event.</param>
/// <param name="cancellationToken">Cancelled when the CLI withdraws the request or the client closes.</param>
public delegate Task<HookOutput> HookCallback(HookInput input, CancellationToken cancellationToken);

/// <summary>Hooks for one event, limited to the tools <see cref="Matcher"/> names.</summary>
/// <param name="Matcher">A tool name or pattern (<c>mcp__kiln__.*</c>, <c>Write|Edit</c>); null matches every tool.</param>
/// <param name="Callbacks">The hooks to run.</param>
/// <param name="Timeout">How long the CLI waits for them.</param>
public sealed record HookMatcher(string? Matcher, IReadOnlyList<HookCallback> Callbacks, TimeSpan? Timeout = null)
{
    /// <summary>One hook for the tools <paramref name="matcher"/> names.</summary>
    public HookMatcher(string? matcher, HookCallback callback)
        : this(matcher, [callback])
    {
    }
}

/// <summary>What the CLI tells a hook (the <c>hook_callback</c> request's input).</summary>
public sealed record HookInput
{
    /// <summary>The event, e.g. <c>PreToolUse</c>, as the CLI names it.</summary>
    public required string EventName { get; init; }

    /// <summary>The session the event belongs to.</summary>
    public string? SessionId { get; init; }

    /// <summary>For tool events: the tool.</summary>
    public string? ToolName { get; init; }

    /// <summary>For tool events: the tool's arguments.</summary>
    public JsonNode? ToolInput { get; init; }

    /// <summary>For <c>PostToolUse</c>: what the tool returned.</summary>
    public JsonNode? ToolResponse { get; init; }

    /// <summary>For tool events: the tool_use id.</summary>
    public string? ToolUseId { get; init; }

    /// <summary>The whole input as the CLI sent it.</summary>
    public required JsonObject Raw { get; init; }

    internal static HookInput From(JsonObject input, string? toolUseId) => new()
    {
        EventName = input.Str("hook_event_name") ?? "",
        SessionId = input.Str("session_id"),
        ToolName = input.Str("tool_name"),
        ToolInput = input["tool_input"]?.DeepClone(),
        ToolResponse = input["tool_response"]?.DeepClone(),
        ToolUseId = input.Str("tool_use_id") ?? toolUseId,
        Raw = input,
    };
}

/// <summary>A hook's answer. The empty output lets the agent carry on unchanged.</summary>
public sealed record HookOutput
{
    /// <summary>Carry on unchanged.</summary>
    public static HookOutput Continue { get; } = new();

    /// <summary>False stops the agent after this hook (<see cref="StopReason"/> says why).</summary>
    public bool? ContinueRun { get; init; }

    /// <summary>Why the agent stops when <see cref="ContinueRun"/> is false.</summary>
    public string? StopReason { get; init; }

    /// <summary>A message shown to the user.</summary>
    public string? SystemMessage { get; init; }

    /// <summary>Event-specific output, e.g. <c>{"hookEventName":"PreToolUse","permissionDecision":"deny",...}</c>.</summary>
    public JsonObject? HookSpecificOutput { get; init; }

    /// <summary>For <c>PreToolUse</c>: refuse the call; the model receives <paramref name="reason"/> as the tool's error result.</summary>
    public static HookOutput DenyToolUse(string reason) => new()
    {
        HookSpecificOutput = new JsonObject
        {
            ["hookEventName"] = "PreToolUse",
            ["permissionDecision"] = "deny",
            ["permissionDecisionReason"] = reason,
        },
    };

    /// <summary>For <c>PostToolUse</c> and prompt events: text added to what the model sees.</summary>
    public static HookOutput AddContext(HookEvent hookEvent, string context) => new()
    {
        HookSpecificOutput = new JsonObject
        {
            ["hookEventName"] = hookEvent.ToString(),
            ["additionalContext"] = context,
        },
    };

    internal JsonObject ToWire()
    {
        var wire = new JsonObject();
        if (ContinueRun is { } carryOn)
        {
            wire["continue"] = carryOn;
        }
        if (StopReason is not null)
        {
            wire["stopReason"] = StopReason;
        }
        if (SystemMessage is not null)
        {
            wire["systemMessage"] = SystemMessage;
        }
        if (HookSpecificOutput is not null)
        {
            wire["hookSpecificOutput"] = HookSpecificOutput.DeepClone();
        }
        return wire;
    }
}
