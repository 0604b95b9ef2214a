using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// git is read-only for the model: Kiln records the project's history itself, so only sub-commands that
/// look (status, log, diff, show, ls-files, listing branches) may run, and none of their options writes.
/// </summary>
internal static class GitRules
{
    /// <summary>git sub-commands that change the repository, the work tree or the configuration.</summary>
    private static readonly FrozenSet<string> Writes = ArgumentShape.Set(
        "add", "am", "apply", "bisect", "checkout", "cherry-pick", "clean", "clone", "commit", "config", "fetch",
        "filter-branch", "gc", "init", "merge", "mv", "notes", "prune", "pull", "push", "rebase", "reflog", "remote",
        "replace", "reset", "restore", "revert", "rm", "stash", "submodule", "switch", "tag", "update-index",
        "update-ref", "worktree");

    private static readonly FrozenSet<string> GlobalFlags = ArgumentShape.Set(
        "--no-pager", "-P", "--no-optional-locks", "--literal-pathspecs", "--version", "--help", "-C");

    private static readonly ArgumentShape Global = new() { PathOptions = ArgumentShape.Set("-C") };

    private static readonly ArgumentShape Arguments = new()
    {
        // After the sub-command, -C means "detect copies", not a directory; revisions and paths are operands.
        PathOptions = ArgumentShape.Set(),
        Refused = new Dictionary<string, string>
        {
            ["--output"] = "git --output writes a file; Kiln's git commands are read-only, so read the output instead.",
            ["--ext-diff"] = "git --ext-diff runs an external program; use plain 'git diff'.",
        }.ToFrozenDictionary(StringComparer.Ordinal),
    };

    private static readonly FrozenSet<string> BranchListFlags = ArgumentShape.Set(
        "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose", "--show-current", "--list", "-l", "--no-color",
        "--color=never", "--contains", "--no-contains", "--merged", "--no-merged", "--sort", "--format", "--points-at");

    public static string? Evaluate(IReadOnlyList<string> argv, FrozenSet<string> allowed, ProjectPaths paths)
    {
        var leading = Global.Parse(argv, 1, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        foreach (var option in leading.SeenOptions)
        {
            if (!GlobalFlags.Contains(option))
            {
                return $"git option '{option}' is not allowed before the sub-command; Kiln's git commands are read-only (for example 'git status', 'git log --oneline').";
            }
        }

        if (leading.Operands.Count == 0)
        {
            return leading.SeenOptions.Contains("--version") || leading.SeenOptions.Contains("--help")
                ? null
                : "git needs a sub-command, for example 'git status'.";
        }

        var subCommand = leading.Operands[0];
        if (Writes.Contains(subCommand))
        {
            return $"'git {subCommand}' changes the repository; Kiln records the project's history itself, so git commands are read-only " +
                   "(git status, log, diff, show, ls-files, branch).";
        }

        if (ProgramAllowlist.SubCommandRefusal("git", subCommand, allowed) is { } refusal)
        {
            return refusal;
        }

        var parsed = Arguments.Parse(argv, leading.NextIndex, paths);
        if (parsed.Error is not null)
        {
            return parsed.Error;
        }

        return subCommand == "branch"
            ? Branch(parsed)
            : OperandPaths.Check(parsed.Operands, paths, PathUse.Read);
    }

    private static string? Branch(ParsedArguments parsed)
    {
        foreach (var option in parsed.SeenOptions)
        {
            if (!BranchListFlags.Contains(option))
            {
                return $"'git branch {option}' changes branches; only listing branches is allowed (for example 'git branch -a').";
            }
        }

        var listing = parsed.SeenOptions.Contains("--list") || parsed.SeenOptions.Contains("-l");
        if (parsed.Operands.Count > 0 && !listing)
        {
            return "'git branch <name>' creates a branch; only listing branches is allowed (for example 'git branch -a').";
        }

        return null;
    }
}
