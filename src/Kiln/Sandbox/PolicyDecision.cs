namespace Kiln.Sandbox;

/// <summary>Whether a command may run; when not, a sentence the model can act on.</summary>
public sealed record PolicyDecision(bool Allowed, string? Reason)
{
    public static PolicyDecision Allow { get; } = new(true, null);

    public static PolicyDecision Refuse(string reason) => new(false, reason);
}
