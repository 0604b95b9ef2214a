using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>
/// The typed body of an event. Each kind is a record, and this list of derived types is the one list of them:
/// its discriminator is the kind's wire name, <see cref="Type"/>, written beside <c>data</c> by <see cref="ProjectEvent"/>.
/// </summary>
[JsonDerivedType(typeof(GenerationQueued), "generation_queued")]
[JsonDerivedType(typeof(GenerationStarted), "generation_started")]
[JsonDerivedType(typeof(AgentMessage), "agent_message")]
[JsonDerivedType(typeof(ToolExecuted), "tool_executed")]
[JsonDerivedType(typeof(FileCreated), "file_created")]
[JsonDerivedType(typeof(FileUpdated), "file_updated")]
[JsonDerivedType(typeof(FileDeleted), "file_deleted")]
[JsonDerivedType(typeof(CommandOutput), "command_output")]
[JsonDerivedType(typeof(ErrorOccurred), "error_occurred")]
[JsonDerivedType(typeof(GenerationCompleted), "generation_completed")]
[JsonDerivedType(typeof(GenerationCancelled), "generation_cancelled")]
[JsonDerivedType(typeof(StatusChanged), "status_changed")]
[JsonDerivedType(typeof(ServerStarted), "server_started")]
[JsonDerivedType(typeof(PreviewReady), "preview_ready")]
[JsonDerivedType(typeof(ServerStopped), "server_stopped")]
[JsonDerivedType(typeof(VersionCreated), "version_created")]
[JsonDerivedType(typeof(VersionRestored), "version_restored")]
[JsonDerivedType(typeof(AttachmentsReceived), "attachments_received")]
[JsonDerivedType(typeof(PreviewError), "preview_error")]
[JsonDerivedType(typeof(PreviewErrorsCleared), "preview_errors_cleared")]
[JsonDerivedType(typeof(AutoFixStarted), "auto_fix_started")]
[JsonDerivedType(typeof(AutoFixStopped), "auto_fix_stopped")]
[JsonDerivedType(typeof(AppChecked), "app_checked")]
[JsonDerivedType(typeof(RegressionFound), "regression_found")]
[JsonDerivedType(typeof(PublishStarted), "publish_started")]
[JsonDerivedType(typeof(Published), "published")]
[JsonDerivedType(typeof(PublishFailed), "publish_failed")]
[JsonDerivedType(typeof(AppImported), "app_imported")]
[JsonDerivedType(typeof(GitPushed), "git_pushed")]
[JsonDerivedType(typeof(GitPushFailed), "git_push_failed")]
public abstract record EventData
{
    private static readonly FrozenDictionary<Type, string> Names = typeof(EventData)
        .GetCustomAttributes<JsonDerivedTypeAttribute>()
        .ToFrozenDictionary(kind => kind.DerivedType, kind => (string)kind.TypeDiscriminator!);

    /// <summary>The kind's wire name, such as <c>tool_executed</c>.</summary>
    [JsonIgnore]
    public string Type => Names[GetType()];
}

public sealed record GenerationQueued(string Prompt, int PromptNumber, int Position) : EventData;

/// <summary>A generation began; <c>Mode</c> is <c>plan</c> when the prompt asked for a plan only.</summary>
public sealed record GenerationStarted(string Prompt, int PromptNumber, string Runtime, string Model, PromptMode Mode = PromptMode.Build) : EventData;

public sealed record AgentMessage(string Text) : EventData;

/// <summary>A tool call finished. <c>Input</c> is a short human summary, not the whole argument payload.</summary>
public sealed record ToolExecuted(string Tool, string Input, bool Ok, string? Error, long DurationMs) : EventData;

public sealed record FileCreated(string Path, long Size) : EventData;

public sealed record FileUpdated(string Path, long Size) : EventData;

public sealed record FileDeleted(string Path) : EventData;

/// <summary>
/// Output of a command a tool ran, a batch of whole lines at a time (stdout and stderr interleaved, colour codes
/// removed). <c>Command</c> is the command as the model or the tool wrote it.
/// </summary>
public sealed record CommandOutput(string Command, string Text) : EventData;

/// <summary>
/// Something failed. <c>Output</c> holds the last lines a failed process printed (a dev server's, say). When the failure
/// ends a generation, <c>Usage</c> and <c>CostUsd</c> are what its prompt spent before it stopped (a budget stops it, say).
/// </summary>
public sealed record ErrorOccurred(string Message, string? Hint = null, string? Output = null, TokenUsage? Usage = null, decimal? CostUsd = null) : EventData;

/// <summary>A generation finished. <c>Context</c> is how full the agent's context window was at its end, when the runtime knows.</summary>
public sealed record GenerationCompleted(string? Summary, int Turns, TokenUsage Usage, decimal? CostUsd, long DurationMs, ContextWindowUsage? Context = null, string? Model = null) : EventData;

public sealed record GenerationCancelled(string Reason) : EventData;

public sealed record StatusChanged(ProjectStatus Status, string? Reason = null) : EventData;

/// <summary>A dev server process was started for the preview, listening on 127.0.0.1:<c>Port</c>.</summary>
public sealed record ServerStarted(int Port, string Command) : EventData;

/// <summary>The preview answers at <c>Url</c> (the project's own origin).</summary>
public sealed record PreviewReady(string Url) : EventData;

/// <summary>A dev server was stopped on purpose; a crash is an <see cref="ErrorOccurred"/> instead.</summary>
public sealed record ServerStopped(int Port, DevServerStopReason Reason) : EventData;

/// <summary>
/// A new version of the app was committed: <c>Version</c> is its number, <c>Commit</c> its hash, <c>Author</c> <c>you</c>
/// for the person's hand edits.
/// </summary>
public sealed record VersionCreated(
    int Version, string Commit, string Prompt, VersionOutcome Outcome, int FilesChanged, int Insertions, int Deletions, VersionAuthor Author = VersionAuthor.Kiln) : EventData;

/// <summary>Version <c>From</c> was restored as the new version <c>Version</c>.</summary>
public sealed record VersionRestored(int Version, int From) : EventData;

/// <summary>Files came with prompt <c>PromptNumber</c>: names, kinds, sizes, and where text files were placed in the app.</summary>
public sealed record AttachmentsReceived(int PromptNumber, IReadOnlyList<Attachment> Files) : EventData;

/// <summary>
/// An error of the running app, collected for the agent: a failed build, a dev server's compile error, or an
/// error the preview page threw. Identical errors are counted, not repeated: a later event for the same error
/// (same source, message and place) is sent only when its <c>Count</c> reaches 10, 100, 1000…
/// </summary>
public sealed record PreviewError(
    PreviewErrorSource Source, string Message, string? File, int? Line, int? Column, string? Stack, int Count, string Id) : EventData;

/// <summary>The open preview errors were dropped: a generation started, or a build succeeded (compile errors only).</summary>
public sealed record PreviewErrorsCleared(string Reason, int Cleared) : EventData;

/// <summary>Kiln sends the collected errors to the agent by itself (Kiln:Agent:AutoFix): attempt <c>Attempt</c> of <c>MaxAttempts</c>.</summary>
public sealed record AutoFixStarted(int Attempt, int MaxAttempts, int Errors) : EventData;

/// <summary>Kiln stopped fixing by itself, and why: the errors are gone, one came back after a fix, or the attempts ran out.</summary>
public sealed record AutoFixStopped(AutoFixStopReason Reason, string Message, int Attempts) : EventData;

/// <summary>
/// Kiln's browser checked a page of the app (<c>check_app</c>): its path, the HTTP status (null when it did not
/// answer), how many errors it showed (uncaught exceptions, console errors, failed requests) and how long it took.
/// </summary>
public sealed record AppChecked(string Path, int? Status, int Errors, long DurationMs) : EventData;

/// <summary>
/// A page that rendered without errors in version <c>RenderedIn</c> fails in version <c>Version</c>, as Kiln's re-check
/// found when the generation that made it ended: uncaught exceptions, console errors, an HTTP status of 400 or more, or a
/// page that did not load, one line each in <c>Errors</c>.
/// </summary>
public sealed record RegressionFound(string Path, int Version, int RenderedIn, IReadOnlyList<string> Errors) : EventData;

/// <summary>Publishing began: the app (at version <c>Version</c>, null before the first) is built for a release.</summary>
public sealed record PublishStarted(int? Version) : EventData;

/// <summary>The site at <c>Url</c> serves release <c>Release</c> now, built from version <c>Version</c>: a new release, or an older one activated again.</summary>
public sealed record Published(int Release, int? Version, string Url) : EventData;

/// <summary>Publishing failed and the site is as it was: why, and the last lines of the build's output.</summary>
public sealed record PublishFailed(string Message, string? Output) : EventData;

/// <summary>
/// A project was made from an existing app (<c>POST /api/import</c>): where it came from (a zip's file name), how many
/// files and bytes it brought (node_modules and .git left out), and the kind of app it is, as the agent is told.
/// </summary>
public sealed record AppImported(string Source, int Files, long Bytes, string Kind) : EventData;

/// <summary>The app's history was pushed: the remote (never with a credential), the branch, the commit it is at now, and how many commits were new to it.</summary>
public sealed record GitPushed(string Remote, string Branch, string Commit, int Commits) : EventData;

/// <summary>A push failed and the remote is as it was: the remote (never with a credential), the branch, and why.</summary>
public sealed record GitPushFailed(string Remote, string Branch, string Reason) : EventData;
