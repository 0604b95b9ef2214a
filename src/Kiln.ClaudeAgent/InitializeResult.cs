using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kiln.ClaudeAgent;

/// <summary>The CLI's answer to <c>initialize</c>: what it offers this session (the TypeScript SDK's <c>SDKControlInitializeResponse</c>).</summary>
public sealed partial record InitializeResult
{
    /// <summary>The slash commands and skills the session knows.</summary>
    public required IReadOnlyList<SlashCommand> Commands { get; init; }

    /// <summary>The subagents the session can start, built-in and defined in the options.</summary>
    public required IReadOnlyList<AgentInfo> Agents { get; init; }

    /// <summary>The models the CLI offers.</summary>
    public required IReadOnlyList<ModelInfo> Models { get; init; }

    /// <summary>Who the CLI is signed in as, and where its key comes from.</summary>
    public required AccountInfo Account { get; init; }

    /// <summary>The output style in use.</summary>
    public string? OutputStyle { get; init; }

    /// <summary>The output styles the CLI offers.</summary>
    public IReadOnlyList<string> AvailableOutputStyles { get; init; } = [];

    /// <summary>The CLI's version as it reports it, e.g. <c>2.1.332</c>; null from a CLI that predates the field.</summary>
    public string? CliVersion { get; init; }

    /// <summary>The answer as the CLI sent it, every field included.</summary>
    public required JsonObject Raw { get; init; }

    /// <summary><see cref="CliVersion"/>'s major.minor.patch, or null when it reported none.</summary>
    public Version? ParsedCliVersion =>
        CliVersion is { } text && VersionPrefix().Match(text) is { Success: true } match ? Version.Parse(match.Value) : null;

    internal static InitializeResult From(JsonObject json)
    {
        var account = json.Obj("account");
        return new()
        {
            Raw = json,
            Commands = [.. json.Objects("commands").Select(c => new SlashCommand(c.Str("name") ?? "", c.Str("description") ?? "", c.Str("argumentHint") ?? ""))],
            Agents = [.. json.Objects("agents").Select(a => new AgentInfo(a.Str("name") ?? "", a.Str("description") ?? "", a.Str("model")))],
            Models = [.. json.Objects("models").Select(m => new ModelInfo
            {
                Value = m.Str("value") ?? "",
                DisplayName = m.Str("displayName") ?? "",
                Description = m.Str("description") ?? "",
                ResolvedModel = m.Str("resolvedModel"),
                SupportsEffort = m.Bool("supportsEffort"),
                SupportedEffortLevels = [.. m.Strings("supportedEffortLevels").Select(e => new Effort(e))],
                SupportsAdaptiveThinking = m.Bool("supportsAdaptiveThinking"),
            })],
            Account = new AccountInfo(
                account.Str("email"), account.Str("organization"), account.Str("subscriptionType"),
                account.Str("tokenSource"), account.Str("apiKeySource"), account.Str("apiProvider")),
            OutputStyle = json.Str("output_style"),
            AvailableOutputStyles = json.Strings("available_output_styles"),
            CliVersion = json.Str("claude_code_version"),
        };
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+")]
    private static partial Regex VersionPrefix();
}

/// <summary>A slash command or skill the session knows.</summary>
/// <param name="Name">Its name, without the slash.</param>
/// <param name="Description">What it does.</param>
/// <param name="ArgumentHint">How its arguments read, e.g. <c>&lt;file&gt;</c>; empty when it takes none.</param>
public sealed record SlashCommand(string Name, string Description, string ArgumentHint);

/// <summary>A subagent the session can start.</summary>
/// <param name="Name">Its name, as the Agent tool takes it.</param>
/// <param name="Description">When it is used.</param>
/// <param name="Model">Its model, when it has its own.</param>
public sealed record AgentInfo(string Name, string Description, string? Model);

/// <summary>A model the CLI offers.</summary>
public sealed record ModelInfo
{
    /// <summary>What <see cref="ClaudeAgentOptions.Model"/> and <see cref="ClaudeAgentClient.SetModelAsync"/> take, e.g. <c>opus</c>.</summary>
    public required string Value { get; init; }

    /// <summary>Its name for people.</summary>
    public required string DisplayName { get; init; }

    /// <summary>What it is for, and its price.</summary>
    public required string Description { get; init; }

    /// <summary>The full model name it stands for, when it is an alias.</summary>
    public string? ResolvedModel { get; init; }

    /// <summary>Whether it takes an <see cref="Effort"/>.</summary>
    public bool SupportsEffort { get; init; }

    /// <summary>The effort levels it takes.</summary>
    public IReadOnlyList<Effort> SupportedEffortLevels { get; init; } = [];

    /// <summary>Whether it can decide for itself how much to think (adaptive thinking).</summary>
    public bool SupportsAdaptiveThinking { get; init; }
}

/// <summary>Who the CLI is signed in as.</summary>
/// <param name="Email">The account's email, with a claude.ai login.</param>
/// <param name="Organization">The organization, with a claude.ai login.</param>
/// <param name="SubscriptionType">The plan, with a claude.ai login.</param>
/// <param name="TokenSource">Where an OAuth token comes from, or <c>none</c>.</param>
/// <param name="ApiKeySource">Where the API key comes from, e.g. <c>ANTHROPIC_API_KEY</c>.</param>
/// <param name="ApiProvider">The API it talks to: <c>firstParty</c>, <c>bedrock</c>, <c>vertex</c>, ….</param>
public sealed record AccountInfo(string? Email, string? Organization, string? SubscriptionType, string? TokenSource, string? ApiKeySource, string? ApiProvider);
