using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// A point of the agent loop where the CLI runs hooks: the events CLI 2.1.332 knows are named here, and
/// any other name a newer CLI adds can be used as <c>new HookEvent("Name")</c>.
/// </summary>
/// <param name="Name">The event as the CLI names it, e.g. <c>PreToolUse</c>.</param>
public readonly record struct HookEvent(string Name)
{
    /// <summary>Before a tool runs; a hook may deny the call or change its input.</summary>
    public static HookEvent PreToolUse { get; } = new("PreToolUse");

    /// <summary>After a tool ran; a hook may add context for the model.</summary>
    public static HookEvent PostToolUse { get; } = new("PostToolUse");

    /// <summary>After a tool failed.</summary>
    public static HookEvent PostToolUseFailure { get; } = new("PostToolUseFailure");

    /// <summary>After a batch of parallel tool calls finished.</summary>
    public static HookEvent PostToolBatch { get; } = new("PostToolBatch");

    /// <summary>When the CLI would notify the user.</summary>
    public static HookEvent Notification { get; } = new("Notification");

    /// <summary>When a user prompt is submitted; a hook may add context or block it.</summary>
    public static HookEvent UserPromptSubmit { get; } = new("UserPromptSubmit");

    /// <summary>When a prompt's slash command or mention is expanded.</summary>
    public static HookEvent UserPromptExpansion { get; } = new("UserPromptExpansion");

    /// <summary>When a session starts or resumes.</summary>
    public static HookEvent SessionStart { get; } = new("SessionStart");

    /// <summary>When a session ends.</summary>
    public static HookEvent SessionEnd { get; } = new("SessionEnd");

    /// <summary>When the agent is about to stop; a hook may make it go on.</summary>
    public static HookEvent Stop { get; } = new("Stop");

    /// <summary>When the turn ends in an error.</summary>
    public static HookEvent StopFailure { get; } = new("StopFailure");

    /// <summary>When the turn is interrupted.</summary>
    public static HookEvent Interrupt { get; } = new("Interrupt");

    /// <summary>When a subagent starts.</summary>
    public static HookEvent SubagentStart { get; } = new("SubagentStart");

    /// <summary>When a subagent is about to stop.</summary>
    public static HookEvent SubagentStop { get; } = new("SubagentStop");

    /// <summary>Before the conversation is compacted.</summary>
    public static HookEvent PreCompact { get; } = new("PreCompact");

    /// <summary>After the conversation was compacted.</summary>
    public static HookEvent PostCompact { get; } = new("PostCompact");

    /// <summary>Before the model changes.</summary>
    public static HookEvent PreModelSwitch { get; } = new("PreModelSwitch");

    /// <summary>After the model changed.</summary>
    public static HookEvent PostModelSwitch { get; } = new("PostModelSwitch");

    /// <summary>When a tool call needs permission; a hook may decide it.</summary>
    public static HookEvent PermissionRequest { get; } = new("PermissionRequest");

    /// <summary>When a tool call was denied.</summary>
    public static HookEvent PermissionDenied { get; } = new("PermissionDenied");

    /// <summary>When the CLI sets up a repository.</summary>
    public static HookEvent Setup { get; } = new("Setup");

    /// <summary>When a teammate agent goes idle.</summary>
    public static HookEvent TeammateIdle { get; } = new("TeammateIdle");

    /// <summary>When a task is created.</summary>
    public static HookEvent TaskCreated { get; } = new("TaskCreated");

    /// <summary>When a task is completed.</summary>
    public static HookEvent TaskCompleted { get; } = new("TaskCompleted");

    /// <summary>When an MCP server asks the user for input.</summary>
    public static HookEvent Elicitation { get; } = new("Elicitation");

    /// <summary>When the user answered an MCP server's question.</summary>
    public static HookEvent ElicitationResult { get; } = new("ElicitationResult");

    /// <summary>When a settings file changes.</summary>
    public static HookEvent ConfigChange { get; } = new("ConfigChange");

    /// <summary>When a git worktree is created.</summary>
    public static HookEvent WorktreeCreate { get; } = new("WorktreeCreate");

    /// <summary>When a git worktree is removed.</summary>
    public static HookEvent WorktreeRemove { get; } = new("WorktreeRemove");

    /// <summary>When a CLAUDE.md or rules file is loaded.</summary>
    public static HookEvent InstructionsLoaded { get; } = new("InstructionsLoaded");

    /// <summary>When the working directory changes.</summary>
    public static HookEvent CwdChanged { get; } = new("CwdChanged");

    /// <summary>When a watched file changes.</summary>
    public static HookEvent FileChanged { get; } = new("FileChanged");

    /// <summary>When a directory is added to the session.</summary>
    public static HookEvent DirectoryAdded { get; } = new("DirectoryAdded");

    /// <summary>When a message is about to be shown.</summary>
    public static HookEvent MessageDisplay { get; } = new("MessageDisplay");

    /// <summary>Before a skill runs a shell command.</summary>
    public static HookEvent PreSkillShellCommand { get; } = new("PreSkillShellCommand");

    /// <summary>Every event CLI 2.1.332 knows, in the TypeScript SDK's order.</summary>
    public static IReadOnlyList<HookEvent> Known { get; } =
    [
        PreToolUse,
        PostToolUse,
        PostToolUseFailure,
        PostToolBatch,
        Notification,
        UserPromptSubmit,
        UserPromptExpansion,
        SessionStart,
        SessionEnd,
        Stop,
        StopFailure,
        Interrupt,
        SubagentStart,
        SubagentStop,
        PreCompact,
        PostCompact,
        PreModelSwitch,
        PostModelSwitch,
        PermissionRequest,
        PermissionDenied,
        Setup,
        TeammateIdle,
        TaskCreated,
        TaskCompleted,
        Elicitation,
        ElicitationResult,
        ConfigChange,
        WorktreeCreate,
        WorktreeRemove,
        InstructionsLoaded,
        CwdChanged,
        FileChanged,
        DirectoryAdded,
        MessageDisplay,
        PreSkillShellCommand,
    ];

    /// <inheritdoc/>
    public override string ToString() => Name ?? "";
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
    /// <summary>The event.</summary>
    public required HookEvent Event { get; init; }

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
        Event = new HookEvent(input.Str("hook_event_name") ?? ""),
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
            ["hookEventName"] = hookEvent.Name,
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
