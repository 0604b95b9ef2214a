using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// The programs, sub-commands and runnable packages the configuration allows (<see cref="SandboxOptions.Programs"/>,
/// <see cref="SandboxOptions.Packages"/>), as the rule families ask about them.
/// </summary>
internal sealed class ProgramAllowlist(SandboxOptions options)
{
    /// <summary>The sub-commands configured for a program: empty set means any; null means not allowed.</summary>
    public FrozenSet<string>? SubCommands(string program)
    {
        if (!options.Programs.TryGetValue(program, out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var items = value.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        return items.Contains("*") ? FrozenSet<string>.Empty : ArgumentShape.Set(items);
    }

    public IEnumerable<string> Programs() =>
        options.Programs.Where(p => !string.IsNullOrWhiteSpace(p.Value) && !NeverAllowedPrograms.Contains(p.Key))
            .Select(p => p.Key).Order(StringComparer.Ordinal);

    public IEnumerable<string> Packages() =>
        options.Packages.Where(p => p.Value).Select(p => p.Key).Order(StringComparer.Ordinal);

    public bool AllowsPackage(string name) => options.Packages.TryGetValue(name, out var allowed) && allowed;

    public static string? SubCommandRefusal(string program, string subCommand, FrozenSet<string> allowed) =>
        allowed.Count == 0 || allowed.Contains(subCommand)
            ? null
            : $"'{program} {subCommand}' is not allowed. Allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal).Select(s => $"{program} {s}"))}.";
}
