namespace Kiln.Agents;

/// <summary>A prompt waiting for its turn to run, with the files attached to it (stored in the project, so a retry has them).</summary>
public sealed record GenerationRequest(string ProjectId, string Prompt, int PromptNumber, IReadOnlyList<Projects.Attachment>? Attachments = null);
