using Kiln.Events;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>Runs one prompt of a project to its end. Two implementations: the built-in loop and the Claude Code CLI.</summary>
public interface IAgentRuntime
{
    string Name { get; }

    /// <summary>
    /// Runs the agent until it finishes. Throws <see cref="AgentFailedException"/> for a failure the user
    /// should read, and <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    Task<AgentOutcome> RunAsync(AgentRun run, CancellationToken cancellationToken);
}

/// <summary>
/// One prompt to run: the project, its prompt (and the files attached to it), where its tools act, and the briefing
/// about the app as it was when the prompt arrived (<see cref="AppBriefing"/>).
/// </summary>
/// <remarks>
/// The runtime counts what each model request costs in <see cref="Spend"/>, and makes no further request once it is
/// <see cref="PromptSpend.Exhausted"/>. In <see cref="PromptMode.Plan"/> it offers the model only the tools that read.
/// </remarks>
public sealed record AgentRun(
    Project Project, string Prompt, ModelEndpoint Model, string AppDirectory, string SessionDirectory, PromptSpend Spend, PromptAttachments? Attachments = null, string? Briefing = null,
    PromptMode Mode = PromptMode.Build)
{
    public string ProjectId => Project.Id;

    /// <summary>The files that came with the prompt, as the model receives them.</summary>
    public PromptAttachments Files => Attachments ?? PromptAttachments.None;

    /// <summary>
    /// The briefing as the text block that goes before the person's words. It rides in the prompt's message, not in the
    /// system prompt: the system prompt and the conversation before it then stay the same from prompt to prompt, so a
    /// provider's prompt cache holds (and the Claude Code CLI records its system prompt once per conversation anyway).
    /// </summary>
    public string? BriefingNote => Briefing is null ? null : $"<system-reminder>\n{Briefing.TrimEnd()}\n</system-reminder>";
}

/// <summary>
/// How a run ended (what it spent is in the run's <see cref="PromptSpend"/>). <c>Context</c> is how full the context
/// window was at the end; null when the runtime could not tell.
/// </summary>
public sealed record AgentOutcome(string? Summary, int Turns, string? SessionId, ContextWindowUsage? Context = null);

/// <summary>A generation failed for a reason a person can read and act on.</summary>
public sealed class AgentFailedException(string message, Exception? inner = null) : Exception(message, inner);
