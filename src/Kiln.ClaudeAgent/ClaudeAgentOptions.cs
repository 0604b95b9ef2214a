using Microsoft.Extensions.Logging;

namespace Kiln.ClaudeAgent;

/// <summary>
/// How to run the Claude Code CLI for one session: the Claude Agent SDK's options that matter to a
/// host that serves its own tools. Every property maps to a CLI flag, an environment variable or a
/// field of the <c>initialize</c> control request; unset means the CLI's default.
/// </summary>
public sealed record ClaudeAgentOptions
{
    /// <summary>
    /// The system prompt: a string (or <see cref="SystemPrompt.Custom"/>) replaces Claude Code's, and
    /// <see cref="SystemPrompt.ClaudeCode"/> keeps Claude Code's with an addition. Null, as in the official
    /// SDKs, is an empty system prompt. Sent in <c>initialize</c>, so its length is not bound by argv limits.
    /// </summary>
    public SystemPrompt? SystemPrompt { get; init; }

    /// <summary>Subagents the agent can hand tasks to through its Agent tool, by name (sent in <c>initialize</c>).</summary>
    public IReadOnlyDictionary<string, AgentDefinition> Agents { get; init; } = new Dictionary<string, AgentDefinition>();

    /// <summary>
    /// The shape each turn's answer must have; the result then carries it as
    /// <see cref="ResultMessage.StructuredOutput"/> (<c>--json-schema</c>).
    /// </summary>
    public OutputFormat? OutputFormat { get; init; }

    /// <summary>Whether and how much the model thinks (<c>--thinking</c>, <c>--max-thinking-tokens</c>); null keeps the CLI's default for the model.</summary>
    public Thinking? Thinking { get; init; }

    /// <summary>How much effort the model puts in (<c>--effort</c>); null keeps the CLI's default.</summary>
    public Effort? Effort { get; init; }

    /// <summary>More settings, as a settings file's path or its JSON (<c>--settings</c>): the highest-priority layer a user controls.</summary>
    public string? Settings { get; init; }

    /// <summary>The model, an alias (<c>sonnet</c>) or a full name (<c>--model</c>).</summary>
    public string? Model { get; init; }

    /// <summary>The model to fall back to when the main one is overloaded (<c>--fallback-model</c>).</summary>
    public string? FallbackModel { get; init; }

    /// <summary>The agent's working directory; the CLI's tools and session files are keyed by it.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Tools the agent may use without asking, e.g. <c>mcp__kiln</c> for every tool of one server (<c>--allowedTools</c>).</summary>
    public IReadOnlyList<string> AllowedTools { get; init; } = [];

    /// <summary>Tools the agent may never use (<c>--disallowedTools</c>).</summary>
    public IReadOnlyList<string> DisallowedTools { get; init; } = [];

    /// <summary>
    /// The CLI's built-in tools to offer (<c>--tools</c>): null keeps the CLI's default set, an empty
    /// list switches every built-in tool (Bash, Edit, Read, Write, WebFetch…) off, so the agent has
    /// only the MCP tools it is given.
    /// </summary>
    public IReadOnlyList<string>? BuiltInTools { get; init; }

    /// <summary>How tool permissions are decided (<c>--permission-mode</c>).</summary>
    public PermissionMode? PermissionMode { get; init; }

    /// <summary>Stop after this many agent turns; the result is then <see cref="ResultSubtype.ErrorMaxTurns"/> (<c>--max-turns</c>).</summary>
    public int? MaxTurns { get; init; }

    /// <summary>Stop once the session has cost this much; the result is then <see cref="ResultSubtype.ErrorMaxBudgetUsd"/> (<c>--max-budget-usd</c>).</summary>
    public decimal? MaxBudgetUsd { get; init; }

    /// <summary>
    /// MCP servers by name. <see cref="SdkMcpServer"/>s run in this process and are reached through the
    /// control protocol; the others are handed to the CLI, which connects to them itself. A tool is
    /// named <c>mcp__{name}__{tool}</c> to the model.
    /// </summary>
    public IReadOnlyDictionary<string, McpServerConfig> McpServers { get; init; } = new Dictionary<string, McpServerConfig>();

    /// <summary>Use only <see cref="McpServers"/>, ignoring MCP servers in the CLI's settings files (<c>--strict-mcp-config</c>).</summary>
    public bool StrictMcpConfig { get; init; }

    /// <summary>Continue this earlier session: the model sees its whole conversation (<c>--resume</c>).</summary>
    public string? Resume { get; init; }

    /// <summary>Continue the most recent session in <see cref="WorkingDirectory"/> (<c>--continue</c>); not with <see cref="Resume"/>.</summary>
    public bool Continue { get; init; }

    /// <summary>
    /// With <see cref="Resume"/>: resume only up to and including the message with this uuid, e.g. an
    /// <see cref="AssistantMessage"/>'s <see cref="Message.Uuid"/> (<c>--resume-session-at</c>).
    /// </summary>
    public string? ResumeSessionAt { get; init; }

    /// <summary>With <see cref="Resume"/>: continue in a new session id, leaving the original untouched (<c>--fork-session</c>).</summary>
    public bool ForkSession { get; init; }

    /// <summary>Use this id (a UUID) for a new session instead of a random one (<c>--session-id</c>).</summary>
    public string? SessionId { get; init; }

    /// <summary>
    /// Back up each file before the agent changes it, so <see cref="ClaudeAgentClient.RewindFilesAsync"/> can
    /// put the files back as they were at any user message (<c>CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING</c>).
    /// </summary>
    public bool EnableFileCheckpointing { get; init; }

    /// <summary>Emit <see cref="StreamEventMessage"/>s with the model's raw stream events as they arrive (<c>--include-partial-messages</c>).</summary>
    public bool IncludePartialMessages { get; init; }

    /// <summary>Which settings files the CLI reads (<c>user</c>, <c>project</c>, <c>local</c>); an empty list reads none (<c>--setting-sources</c>).</summary>
    public IReadOnlyList<string>? SettingSources { get; init; }

    /// <summary>Plugin directories (or .zip files) to load for this session: their commands, agents, skills and hooks (<c>--plugin-dir</c>).</summary>
    public IReadOnlyList<string> Plugins { get; init; } = [];

    /// <summary>More directories the agent may access (<c>--add-dir</c>).</summary>
    public IReadOnlyList<string> AdditionalDirectories { get; init; } = [];

    /// <summary>
    /// Variables for the child's environment, applied on top of this process's (or on an empty one, with
    /// <see cref="InheritEnvironment"/> off). <c>CLAUDE_CODE_ENTRYPOINT</c> is <see cref="DefaultEntrypoint"/>
    /// unless set here.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Start the child's environment from this process's, as the official SDKs do (default). Turn it off
    /// to give the CLI exactly <see cref="Environment"/> and nothing inherited by accident, e.g. when this
    /// process holds secrets the agent must not see.
    /// </summary>
    public bool InheritEnvironment { get; init; } = true;

    /// <summary>What this library tells the CLI it is (<c>CLAUDE_CODE_ENTRYPOINT</c>); the official SDKs say <c>sdk-ts</c> and <c>sdk-py</c>.</summary>
    public const string DefaultEntrypoint = "sdk-dotnet";

    /// <summary>
    /// The oldest CLI the client connects to: an older one (by the version it reports in <c>initialize</c>)
    /// fails <see cref="ClaudeAgentClient.ConnectAsync"/> with <see cref="CliVersionException"/>. Null
    /// skips the check.
    /// </summary>
    public Version? MinimumCliVersion { get; init; } = DefaultMinimumCliVersion;

    /// <summary>The default <see cref="MinimumCliVersion"/>, the Python SDK's minimum too.</summary>
    public static Version DefaultMinimumCliVersion { get; } = new(2, 0, 0);

    /// <summary>
    /// Where the library logs (skipped output lines, failed callbacks, an unknown CLI version). Null logs
    /// nothing. An <see cref="SdkMcpServer"/> logs through its own options' services, not this.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The CLI executable; when null it is looked up on PATH and in the usual install locations.</summary>
    public string? CliPath { get; init; }

    /// <summary>More CLI flags, in order, a flag as often as it is needed: <c>[new("debug-file", "/tmp/x"), new("verbose")]</c>.</summary>
    public IReadOnlyList<ExtraArg> ExtraArgs { get; init; } = [];

    /// <summary>Receives each line the CLI writes to stderr.</summary>
    public Action<string>? Stderr { get; init; }

    /// <summary>
    /// Decides tool calls the CLI would otherwise ask a person about. When set, the CLI sends every such
    /// call here (<c>--permission-prompt-tool stdio</c>); when null, a call that needs permission is
    /// denied at once, so a run never waits on a prompt.
    /// </summary>
    public CanUseTool? CanUseTool { get; init; }

    /// <summary>Callbacks the CLI runs at points of the agent loop, by event.</summary>
    public IReadOnlyDictionary<HookEvent, IReadOnlyList<HookMatcher>> Hooks { get; init; } =
        new Dictionary<HookEvent, IReadOnlyList<HookMatcher>>();

    /// <summary>
    /// Rewrites the command before it starts, e.g. to run the CLI inside a sandbox (bubblewrap, a
    /// container) whose argv wraps the CLI's: <c>command => command.RunThrough("bwrap", [.. mounts, "--"])</c>
    /// (<see cref="CliCommand.RunThrough"/>). It gets the command with the CLI's path already found, so
    /// the launcher can be built around the CLI's install. The library still starts it without a shell,
    /// and disposing the client kills the launcher's whole process tree, the CLI in it included; a
    /// launcher that outlives its children (a container daemon) must be stopped by the caller.
    /// </summary>
    public Func<CliCommand, CliCommand>? WrapCommand { get; init; }

    /// <summary>How long <c>initialize</c> may take before the connection is given up.</summary>
    public TimeSpan InitializeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a disposed client waits for the CLI to exit after its stdin closes, before killing its process tree.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
