namespace Kiln.Sandbox;

/// <summary>
/// The environment of a child process, built from nothing: the server's own environment holds the
/// API key and Kiln's configuration, so nothing is inherited and secret-looking names are refused
/// even when Kiln's own code asks for them.
/// </summary>
internal static class ChildEnvironment
{
    private static readonly string[] SecretPrefixes = ["KILN", "ANTHROPIC", "CLAUDE", "LD_"];

    private static readonly string[] SecretWords =
        ["API_KEY", "APIKEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "ACCESS_KEY"];

    /// <summary>True for names a child must never receive: Kiln's configuration, model credentials, anything named like a secret, and loader hooks.</summary>
    public static bool IsForbidden(string name)
    {
        var upper = name.ToUpperInvariant();
        return SecretPrefixes.Any(p => upper.StartsWith(p, StringComparison.Ordinal)) ||
               SecretWords.Any(w => upper.Contains(w, StringComparison.Ordinal));
    }

    /// <summary>Throws for extra entries a caller must not pass.</summary>
    public static void Validate(IReadOnlyDictionary<string, string> extra)
    {
        foreach (var (name, value) in extra)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) ||
                value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Environment variable '{name}' is not a valid name or value.", nameof(extra));
            }

            if (IsForbidden(name))
            {
                throw new ArgumentException(
                    $"Environment variable '{name}' looks like a secret or Kiln setting; sandboxed processes never receive those.",
                    nameof(extra));
            }
        }
    }

    public static Dictionary<string, string> Build(
        string searchPath, string home, string temporaryDirectory, IReadOnlyDictionary<string, string> extra, string? marker)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = searchPath,
            ["HOME"] = home,
            ["TMPDIR"] = temporaryDirectory,
            ["LANG"] = "C.UTF-8",
            ["TERM"] = "dumb",
            ["CI"] = "1",
            ["NO_COLOR"] = "1",
        };

        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        if (marker is not null)
        {
            environment[StrayProcesses.MarkerName] = marker;
        }

        return environment;
    }
}
