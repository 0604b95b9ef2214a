using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// Programs no configuration can allow, because they run code or other programs the allowlist cannot
/// see: shells, wrappers that start another program, and editors that run scripts.
/// </summary>
internal static class NeverAllowedPrograms
{
    /// <summary>The advice every refusal of a shell or a runner ends with.</summary>
    public const string RunDirectly = "run the program directly, one command per call (for example 'pnpm install')";

    private static readonly FrozenDictionary<string, string> Reasons = Build();

    public static bool Contains(string program) => Reasons.ContainsKey(program);

    /// <summary>The sentence the model gets when <paramref name="program"/> is never allowed.</summary>
    public static bool TryGetReason(string program, out string reason) => Reasons.TryGetValue(program, out reason!);

    private static FrozenDictionary<string, string> Build()
    {
        var never = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var shell in new[] { "sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "csh", "tcsh", "ash", "busybox", "pwsh", "powershell" })
        {
            never[shell] = $"'{shell}' is a shell; Kiln runs one program per command without a shell. " + char.ToUpperInvariant(RunDirectly[0]) + RunDirectly[1..] + ".";
        }

        foreach (var wrapper in new[]
                 {
                     "env", "xargs", "sudo", "su", "doas", "nohup", "setsid", "nice", "ionice", "timeout", "stdbuf", "time",
                     "strace", "ltrace", "gdb", "chroot", "unshare", "nsenter", "bwrap", "prlimit", "setpriv", "script",
                     "expect", "watch", "exec", "eval", "source", "command", "builtin", "flock", "parallel", "runuser",
                 })
        {
            never[wrapper] = $"'{wrapper}' starts other programs, which would bypass the allowlist; " + RunDirectly + ".";
        }

        foreach (var editor in new[] { "sed", "awk", "gawk", "mawk", "nawk", "ed", "vi", "vim", "nano", "emacs" })
        {
            never[editor] = $"'{editor}' runs editing scripts that can write any file and start programs; use the file tools (write_file, edit_file) to change files.";
        }

        return never.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
