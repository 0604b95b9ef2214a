namespace Kiln.Events;

/// <summary>
/// How full the agent's context window was when a generation ended: <c>Tokens</c> in use of a <c>Window</c> of that
/// many. The claude-code runtime has it from the CLI; the builtin runtime estimates it against its context budget.
/// </summary>
public sealed record ContextWindowUsage(long Tokens, long Window);
