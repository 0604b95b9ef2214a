using System.Text.Json.Serialization;
using Kiln.Agents;
using Kiln.Preview;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>
/// The typed body of an event. Each kind is a record; <see cref="Type"/> is its snake_case wire name.
/// </summary>
public abstract record EventData
{
    /// <summary>The wire name. Each override carries its own [JsonIgnore]: serialisation does not inherit it.</summary>
    public abstract string Type { get; }
}

public sealed record GenerationQueued(string Prompt, int PromptNumber, int Position) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "generation_queued";
}

public sealed record GenerationStarted(string Prompt, int PromptNumber, string Runtime, string Model) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "generation_started";
}

public sealed record AgentMessage(string Text) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "agent_message";
}

/// <summary>A tool call finished. <c>Input</c> is a short human summary, not the whole argument payload.</summary>
public sealed record ToolExecuted(string Tool, string Input, bool Ok, string? Error, long DurationMs) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "tool_executed";
}

public sealed record FileCreated(string Path, long Size) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "file_created";
}

public sealed record FileUpdated(string Path, long Size) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "file_updated";
}

public sealed record FileDeleted(string Path) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "file_deleted";
}

/// <summary>
/// Output of a command a tool ran, a batch of whole lines at a time (stdout and stderr interleaved, colour codes
/// removed). <c>Command</c> is the command as the model or the tool wrote it.
/// </summary>
public sealed record CommandOutput(string Command, string Text) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "command_output";
}

/// <summary>Something failed. <c>Output</c> holds the last lines a failed process printed (a dev server's, say).</summary>
public sealed record ErrorOccurred(string Message, string? Hint = null, string? Output = null) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "error_occurred";
}

public sealed record GenerationCompleted(string? Summary, int Turns, TokenUsage Usage, decimal? CostUsd, long DurationMs) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "generation_completed";
}

public sealed record GenerationCancelled(string Reason) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "generation_cancelled";
}

public sealed record StatusChanged(ProjectStatus Status, string? Reason = null) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "status_changed";
}

/// <summary>A dev server process was started for the preview, listening on 127.0.0.1:<c>Port</c>.</summary>
public sealed record ServerStarted(int Port, string Command) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "server_started";
}

/// <summary>The preview answers at <c>Url</c> (the project's own origin).</summary>
public sealed record PreviewReady(string Url) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "preview_ready";
}

/// <summary>A dev server was stopped on purpose; a crash is an <see cref="ErrorOccurred"/> instead.</summary>
public sealed record ServerStopped(int Port, DevServerStopReason Reason) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "server_stopped";
}

/// <summary>A new version of the app was committed: <c>Version</c> is its number, <c>Commit</c> its hash.</summary>
public sealed record VersionCreated(int Version, string Commit, string Prompt, Versions.VersionOutcome Outcome, int FilesChanged, int Insertions, int Deletions) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "version_created";
}

/// <summary>Version <c>From</c> was restored as the new version <c>Version</c>.</summary>
public sealed record VersionRestored(int Version, int From) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "version_restored";
}

/// <summary>Files came with prompt <c>PromptNumber</c>: names, kinds, sizes, and where text files were placed in the app.</summary>
public sealed record AttachmentsReceived(int PromptNumber, IReadOnlyList<Attachment> Files) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "attachments_received";
}

/// <summary>
/// An error of the running app, collected for the agent: a failed build, a dev server's compile error, or an
/// error the preview page threw. Identical errors are counted, not repeated: a later event for the same error
/// (same source, message and place) is sent only when its <c>Count</c> reaches 10, 100, 1000…
/// </summary>
public sealed record PreviewError(
    PreviewErrorSource Source, string Message, string? File, int? Line, int? Column, string? Stack, int Count, string Id) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "preview_error";
}

/// <summary>The open preview errors were dropped: a generation started, or a build succeeded (compile errors only).</summary>
public sealed record PreviewErrorsCleared(string Reason, int Cleared) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "preview_errors_cleared";
}

/// <summary>Kiln sends the collected errors to the agent by itself (Kiln:Agent:AutoFix): attempt <c>Attempt</c> of <c>MaxAttempts</c>.</summary>
public sealed record AutoFixStarted(int Attempt, int MaxAttempts, int Errors) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "auto_fix_started";
}

/// <summary>Kiln stopped fixing by itself, and why: the errors are gone, one came back after a fix, or the attempts ran out.</summary>
public sealed record AutoFixStopped(AutoFixStopReason Reason, string Message, int Attempts) : EventData
{
    [JsonIgnore] // Written once, beside data, by ProjectEvent.
    public override string Type => "auto_fix_stopped";
}
