namespace Kiln.Agents;

/// <summary>A prompt waiting for its turn to run.</summary>
public sealed record GenerationRequest(string ProjectId, string Prompt, int PromptNumber);
