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

/// <summary>One prompt to run: the project, its prompt (and the files attached to it) and where its tools act.</summary>
public sealed record AgentRun(Project Project, string Prompt, ModelEndpoint Model, string AppDirectory, string SessionDirectory, PromptAttachments? Attachments = null)
{
    public string ProjectId => Project.Id;

    /// <summary>The files that came with the prompt, as the model receives them.</summary>
    public PromptAttachments Files => Attachments ?? PromptAttachments.None;
}

public sealed record AgentOutcome(string? Summary, int Turns, TokenUsage Usage, decimal? CostUsd, string? SessionId);

/// <summary>A generation failed for a reason a person can read and act on.</summary>
public sealed class AgentFailedException(string message, Exception? inner = null) : Exception(message, inner);
