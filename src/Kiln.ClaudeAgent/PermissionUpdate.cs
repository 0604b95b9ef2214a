using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// A change to the permission rules, mode or directories: what the CLI suggests with a question
/// (<see cref="ToolPermissionRequest.Suggestions"/>) and what an answer may apply
/// (<see cref="PermissionDecision.Allow(JsonObject?, IReadOnlyList{PermissionUpdate}?)"/>), e.g. "allow this tool
/// for the rest of the session" so the CLI stops asking.
/// </summary>
public abstract record PermissionUpdate
{
    private protected PermissionUpdate()
    {
    }

    /// <summary>Adds rules.</summary>
    /// <param name="Rules">The rules.</param>
    /// <param name="Behavior">What they do.</param>
    /// <param name="Destination">Where they are kept.</param>
    public sealed record AddRules(IReadOnlyList<PermissionRule> Rules, PermissionBehavior Behavior, PermissionDestination Destination) : PermissionUpdate
    {
        internal override JsonObject ToWire() => RulesWire("addRules", Rules, Behavior, Destination);
    }

    /// <summary>Replaces the rules of <paramref name="Behavior"/> at <paramref name="Destination"/>.</summary>
    /// <param name="Rules">The rules.</param>
    /// <param name="Behavior">What they do.</param>
    /// <param name="Destination">Where they are kept.</param>
    public sealed record ReplaceRules(IReadOnlyList<PermissionRule> Rules, PermissionBehavior Behavior, PermissionDestination Destination) : PermissionUpdate
    {
        internal override JsonObject ToWire() => RulesWire("replaceRules", Rules, Behavior, Destination);
    }

    /// <summary>Removes rules.</summary>
    /// <param name="Rules">The rules.</param>
    /// <param name="Behavior">What they did.</param>
    /// <param name="Destination">Where they were kept.</param>
    public sealed record RemoveRules(IReadOnlyList<PermissionRule> Rules, PermissionBehavior Behavior, PermissionDestination Destination) : PermissionUpdate
    {
        internal override JsonObject ToWire() => RulesWire("removeRules", Rules, Behavior, Destination);
    }

    /// <summary>Changes the permission mode.</summary>
    /// <param name="Mode">The new mode.</param>
    /// <param name="Destination">Where it is kept (<see cref="PermissionDestination.Session"/> for this session only).</param>
    public sealed record SetMode(PermissionMode Mode, PermissionDestination Destination) : PermissionUpdate
    {
        internal override JsonObject ToWire() => new() { ["type"] = "setMode", ["mode"] = Mode.ToWire(), ["destination"] = Destination.Value };
    }

    /// <summary>Lets the agent work in more directories.</summary>
    /// <param name="Directories">The directories.</param>
    /// <param name="Destination">Where they are kept.</param>
    public sealed record AddDirectories(IReadOnlyList<string> Directories, PermissionDestination Destination) : PermissionUpdate
    {
        internal override JsonObject ToWire() => DirectoriesWire("addDirectories", Directories, Destination);
    }

    /// <summary>Takes directories away from the agent.</summary>
    /// <param name="Directories">The directories.</param>
    /// <param name="Destination">Where they were kept.</param>
    public sealed record RemoveDirectories(IReadOnlyList<string> Directories, PermissionDestination Destination) : PermissionUpdate
    {
        internal override JsonObject ToWire() => DirectoriesWire("removeDirectories", Directories, Destination);
    }

    /// <summary>An update of a kind this library does not know, kept as the CLI sent it (and sent back as it is).</summary>
    /// <param name="Raw">The update.</param>
    public sealed record Unknown(JsonObject Raw) : PermissionUpdate
    {
        internal override JsonObject ToWire() => (JsonObject)Raw.DeepClone();
    }

    internal abstract JsonObject ToWire();

    internal static PermissionUpdate From(JsonObject json)
    {
        var destination = new PermissionDestination(json.Str("destination") ?? "");
        var rules = json.Objects("rules").Select(r => new PermissionRule(r.Str("toolName") ?? "", r.Str("ruleContent"))).ToList();
        var behavior = new PermissionBehavior(json.Str("behavior") ?? "");
        return json.Str("type") switch
        {
            "addRules" => new AddRules(rules, behavior, destination),
            "replaceRules" => new ReplaceRules(rules, behavior, destination),
            "removeRules" => new RemoveRules(rules, behavior, destination),
            "setMode" when PermissionModeNames.FromWire(json.Str("mode")) is { } mode => new SetMode(mode, destination),
            "addDirectories" => new AddDirectories(json.Strings("directories"), destination),
            "removeDirectories" => new RemoveDirectories(json.Strings("directories"), destination),
            _ => new Unknown(json),
        };
    }

    private static JsonObject RulesWire(string type, IReadOnlyList<PermissionRule> rules, PermissionBehavior behavior, PermissionDestination destination) => new()
    {
        ["type"] = type,
        ["rules"] = new JsonArray([.. rules.Select(r => r.ToWire())]),
        ["behavior"] = behavior.Value,
        ["destination"] = destination.Value,
    };

    private static JsonObject DirectoriesWire(string type, IReadOnlyList<string> directories, PermissionDestination destination) => new()
    {
        ["type"] = type,
        ["directories"] = new JsonArray([.. directories.Select(d => JsonValue.Create(d))]),
        ["destination"] = destination.Value,
    };
}

/// <summary>A permission rule: a tool, optionally narrowed, e.g. <c>Bash</c> with <c>npm test:*</c>.</summary>
/// <param name="ToolName">The tool, e.g. <c>mcp__kiln__write_file</c>.</param>
/// <param name="RuleContent">What of the tool's use it covers (a command prefix, a path pattern); null covers all of it.</param>
public sealed record PermissionRule(string ToolName, string? RuleContent = null)
{
    internal JsonObject ToWire()
    {
        var wire = new JsonObject { ["toolName"] = ToolName };
        if (RuleContent is not null)
        {
            wire["ruleContent"] = RuleContent;
        }
        return wire;
    }
}

/// <summary>What a permission rule does; a string underneath.</summary>
/// <param name="Value">As the CLI spells it.</param>
public readonly record struct PermissionBehavior(string Value)
{
    /// <summary>The call runs without asking.</summary>
    public static PermissionBehavior Allow { get; } = new("allow");

    /// <summary>The call is refused.</summary>
    public static PermissionBehavior Deny { get; } = new("deny");

    /// <summary>The call is asked about.</summary>
    public static PermissionBehavior Ask { get; } = new("ask");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

/// <summary>Where a permission update is kept; a string underneath.</summary>
/// <param name="Value">As the CLI spells it.</param>
public readonly record struct PermissionDestination(string Value)
{
    /// <summary>This session only.</summary>
    public static PermissionDestination Session { get; } = new("session");

    /// <summary>The user's settings file (<c>~/.claude/settings.json</c>).</summary>
    public static PermissionDestination UserSettings { get; } = new("userSettings");

    /// <summary>The project's shared settings file (<c>.claude/settings.json</c>).</summary>
    public static PermissionDestination ProjectSettings { get; } = new("projectSettings");

    /// <summary>The project's local settings file (<c>.claude/settings.local.json</c>).</summary>
    public static PermissionDestination LocalSettings { get; } = new("localSettings");

    /// <summary>The session's command-line rules.</summary>
    public static PermissionDestination CliArg { get; } = new("cliArg");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}
