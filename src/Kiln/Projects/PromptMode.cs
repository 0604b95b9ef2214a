using System.Text.Json.Serialization;

namespace Kiln.Projects;

/// <summary>
/// What a prompt asks of the agent: to build (change the app), or to plan (read the app and answer with a plan, changing
/// nothing). A plan prompt's agent gets only the tools that read, and its generation makes no version.
/// </summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<PromptMode>))]
public enum PromptMode
{
    Build,
    Plan,
}

public static class PromptModes
{
    /// <summary>The mode a request names ("build", "plan", any case; nothing means build), or null for a name that is none.</summary>
    public static PromptMode? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "build" => PromptMode.Build,
        "plan" => PromptMode.Plan,
        _ => null,
    };
}
