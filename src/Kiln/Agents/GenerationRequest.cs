namespace Kiln.Agents;

/// <summary>A prompt waiting for its turn to run, with the files attached to it (stored in the project, so a retry has them).</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Prompt">The prompt as the person (or Kiln, for a fix) wrote it.</param>
/// <param name="PromptNumber">Its place among the project's prompts, from 1.</param>
/// <param name="Attachments">The files that came with it.</param>
/// <param name="MaxBudgetUsd">The prompt's spending cap; null for none.</param>
/// <param name="SpentBeforeUsd">
/// What the prompt this one fixes by itself (an automatic fix) and its earlier fixes spent: the cap covers them together.
/// </param>
public sealed record GenerationRequest(
    string ProjectId, string Prompt, int PromptNumber, IReadOnlyList<Projects.Attachment>? Attachments = null, decimal? MaxBudgetUsd = null, decimal SpentBeforeUsd = 0);
