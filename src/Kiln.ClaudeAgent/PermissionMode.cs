namespace Kiln.ClaudeAgent;

/// <summary>How the CLI decides whether a tool call may run.</summary>
public enum PermissionMode
{
    /// <summary>Ask (the permission callback, or deny when there is none) for anything not allowed by a rule.</summary>
    Default,

    /// <summary>File edits are allowed without asking.</summary>
    AcceptEdits,

    /// <summary>Every tool call is allowed, except explicit deny rules; the permission callback is never asked.</summary>
    BypassPermissions,

    /// <summary>The agent plans and does not act.</summary>
    Plan,

    /// <summary>Anything that would need asking is denied.</summary>
    DontAsk,

    /// <summary>A classifier decides what would need asking.</summary>
    Auto,
}

internal static class PermissionModeNames
{
    // The protocol's spelling: camelCase, as in the SDK's type definitions.
    public static string ToWire(this PermissionMode mode) => mode switch
    {
        PermissionMode.Default => "default",
        PermissionMode.AcceptEdits => "acceptEdits",
        PermissionMode.BypassPermissions => "bypassPermissions",
        PermissionMode.Plan => "plan",
        PermissionMode.DontAsk => "dontAsk",
        PermissionMode.Auto => "auto",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown permission mode."),
    };

    public static PermissionMode? FromWire(string? mode) => mode switch
    {
        "default" => PermissionMode.Default,
        "acceptEdits" => PermissionMode.AcceptEdits,
        "bypassPermissions" => PermissionMode.BypassPermissions,
        "plan" => PermissionMode.Plan,
        "dontAsk" => PermissionMode.DontAsk,
        "auto" => PermissionMode.Auto,
        _ => null,
    };
}
