using System.ComponentModel.DataAnnotations;

namespace Kiln.Versions;

/// <summary>How Kiln talks to git remotes (pushing a project's history, importing one). Bound from <c>Kiln:Git</c>.</summary>
public sealed class GitOptions
{
    public const string Section = "Kiln:Git";

    /// <summary>
    /// Allow plain <c>http://</c> remotes: the code and the token then cross the network unencrypted, so only for a
    /// server on a network you trust (or a test's loopback server). <c>https://</c> is always allowed.
    /// </summary>
    public bool AllowInsecureRemotes { get; set; }

    /// <summary>Wall-clock limit of one push (or clone): git gives up and the request answers with the reason.
    /// At most the sandbox's <c>Kiln:Sandbox:MaxTimeoutSeconds</c>.</summary>
    [Range(5, 900)]
    public int NetworkTimeoutSeconds { get; set; } = 300;
}
