using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>Decides whether the agent may make one tool call (the CLI's <c>can_use_tool</c> request).</summary>
/// <param name="request">The call the agent wants to make.</param>
/// <param name="cancellationToken">Cancelled when the CLI withdraws the question (e.g. the turn was interrupted) or the client closes.</param>
public delegate Task<PermissionDecision> CanUseTool(ToolPermissionRequest request, CancellationToken cancellationToken);

/// <summary>A tool call waiting for permission.</summary>
public sealed record ToolPermissionRequest
{
    /// <summary>The tool, e.g. <c>mcp__kiln__write_file</c>.</summary>
    public required string ToolName { get; init; }

    /// <summary>The arguments the model gave.</summary>
    public required JsonObject Input { get; init; }

    /// <summary>The tool_use id of the call.</summary>
    public string? ToolUseId { get; init; }

    /// <summary>Why the CLI asks, when it says.</summary>
    public string? DecisionReason { get; init; }

    /// <summary>
    /// What the CLI would change so it need not ask again (allow the tool, switch to acceptEdits, add a
    /// directory); an answer may apply some of them with <see cref="PermissionDecision.Allow(JsonObject?, IReadOnlyList{PermissionUpdate}?)"/>.
    /// </summary>
    public IReadOnlyList<PermissionUpdate> Suggestions { get; init; } = [];

    /// <summary>The path that made the call need permission, when a path did (e.g. outside the working directories).</summary>
    public string? BlockedPath { get; init; }

    /// <summary>The whole request as the CLI sent it, including fields this type does not name.</summary>
    public required JsonObject Raw { get; init; }
}

/// <summary>The answer to a <see cref="ToolPermissionRequest"/>: <see cref="Allow"/> or <see cref="Deny"/>.</summary>
public abstract record PermissionDecision
{
    private protected PermissionDecision()
    {
    }

    /// <summary>Let the call run, optionally with changed arguments, and optionally change the permissions from now on.</summary>
    /// <param name="updatedInput">Arguments to run it with instead of the model's.</param>
    /// <param name="updatedPermissions">Rules, mode or directories to change, e.g. a suggestion from <see cref="ToolPermissionRequest.Suggestions"/>.</param>
    public static PermissionDecision Allow(JsonObject? updatedInput = null, IReadOnlyList<PermissionUpdate>? updatedPermissions = null) =>
        new PermissionAllowed(updatedInput) { UpdatedPermissions = updatedPermissions ?? [] };

    /// <summary>Refuse the call; the model receives <paramref name="message"/> as the tool's error result.</summary>
    /// <param name="message">Why, in a sentence the model can act on.</param>
    /// <param name="interrupt">Also stop the turn.</param>
    public static PermissionDecision Deny(string message, bool interrupt = false) => new PermissionDenied(message, interrupt);

    internal abstract JsonObject ToWire(JsonObject originalInput, string? toolUseId);
}

/// <summary>The call may run.</summary>
/// <param name="UpdatedInput">Arguments to run it with instead of the model's, or null.</param>
public sealed record PermissionAllowed(JsonObject? UpdatedInput) : PermissionDecision
{
    /// <summary>The permission changes that come with the answer.</summary>
    public IReadOnlyList<PermissionUpdate> UpdatedPermissions { get; init; } = [];

    internal override JsonObject ToWire(JsonObject originalInput, string? toolUseId)
    {
        var wire = new JsonObject
        {
            ["behavior"] = "allow",
            // The CLI expects the input back even when unchanged.
            ["updatedInput"] = (UpdatedInput ?? originalInput).DeepClone(),
            ["toolUseID"] = toolUseId,
        };
        if (UpdatedPermissions.Count > 0)
        {
            wire["updatedPermissions"] = new JsonArray([.. UpdatedPermissions.Select(u => u.ToWire())]);
        }
        return wire;
    }
}

/// <summary>The call is refused.</summary>
/// <param name="Message">The reason the model is given.</param>
/// <param name="Interrupt">Whether the turn stops too.</param>
public sealed record PermissionDenied(string Message, bool Interrupt) : PermissionDecision
{
    internal override JsonObject ToWire(JsonObject originalInput, string? toolUseId) => new()
    {
        ["behavior"] = "deny",
        ["message"] = Message,
        ["interrupt"] = Interrupt,
        ["toolUseID"] = toolUseId,
    };
}
