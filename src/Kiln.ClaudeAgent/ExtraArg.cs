namespace Kiln.ClaudeAgent;

/// <summary>
/// A CLI flag this library has no option for, passed as <c>--{Name}={Value}</c> (or a bare <c>--{Name}</c>
/// when <paramref name="Value"/> is null). A flag may appear more than once, e.g. <c>plugin-dir</c>.
/// </summary>
/// <param name="Name">The flag without its dashes, e.g. <c>debug-file</c>.</param>
/// <param name="Value">Its value, or null for a switch.</param>
public sealed record ExtraArg(string Name, string? Value = null);
