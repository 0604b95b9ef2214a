using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// Interpreters other than node may run a file in the project when configured, never code given on the
/// command line, which would be a program the allowlist cannot see.
/// </summary>
internal static class InterpreterRules
{
    /// <summary>Flags with which an interpreter runs code given on the command line rather than a file in the project.</summary>
    private static readonly FrozenDictionary<string, FrozenSet<string>> InlineCodeFlags = new Dictionary<string, FrozenSet<string>>
    {
        ["python"] = ArgumentShape.Set("-c"),
        ["python3"] = ArgumentShape.Set("-c"),
        ["perl"] = ArgumentShape.Set("-e", "-E"),
        ["ruby"] = ArgumentShape.Set("-e"),
        ["php"] = ArgumentShape.Set("-r"),
        ["lua"] = ArgumentShape.Set("-e"),
        ["deno"] = ArgumentShape.Set("eval", "-e", "--eval"),
        ["bun"] = ArgumentShape.Set("-e", "--eval", "-p", "--print"),
        ["tsx"] = ArgumentShape.Set("-e", "--eval", "-p", "--print"),
        ["ts-node"] = ArgumentShape.Set("-e", "--eval", "-p", "--print"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The refusal when <paramref name="program"/> is an interpreter given inline code; null otherwise.</summary>
    public static string? Evaluate(string program, IReadOnlyList<string> argv) =>
        InlineCodeFlags.TryGetValue(program, out var inline) && UsesInlineCode(argv, inline) is { } flag
            ? $"{program} {flag} runs code given on the command line; write the code to a file in the project and run that file."
            : null;

    private static string? UsesInlineCode(IReadOnlyList<string> argv, FrozenSet<string> flags)
    {
        foreach (var arg in argv.Skip(1))
        {
            var name = arg.Split('=', 2)[0];
            if (flags.Contains(name))
            {
                return name;
            }

            // A short flag inside a cluster (python -Sc) or with its value attached (perl -e'...').
            if (arg.Length > 2 && arg[0] == '-' && arg[1] != '-')
            {
                foreach (var flag in flags)
                {
                    if (flag.Length == 2 && flag[0] == '-' && arg.Contains(flag[1], StringComparison.Ordinal))
                    {
                        return flag;
                    }
                }
            }
        }

        return null;
    }
}
