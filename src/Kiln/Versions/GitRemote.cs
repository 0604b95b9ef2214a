using System.Globalization;

namespace Kiln.Versions;

/// <summary>
/// A git remote Kiln may talk to: an <c>https://</c> URL (plain <c>http://</c> only with
/// <see cref="GitOptions.AllowInsecureRemotes"/>) with a host, no credentials, no query and no fragment. Everything else
/// git understands is refused, each with a reason a person can act on: local paths and <c>file://</c> (they read
/// Kiln's own disk), <c>ext::</c> and other transport helpers (they run programs), ssh, scp-like <c>host:path</c> and
/// <c>git://</c> (Kiln holds no SSH key, and git:// has no authentication). A refusal never repeats the text it was
/// given, which may hold a credential.
/// </summary>
/// <remarks>
/// This is the first check; git itself is the second: every git Kiln runs allows the https protocol alone (and http
/// when insecure remotes are allowed), so a redirect, a submodule or an alternate cannot switch transports
/// (<see cref="AppRepository"/>).
/// </remarks>
public sealed record GitRemote
{
    /// <summary>Longest remote URL taken; hosts' own URLs are far shorter.</summary>
    public const int MaxLength = 2048;

    private const string Example = "such as https://github.com/you/app.git";

    private GitRemote(Uri url) => Url = url;

    /// <summary>The remote's URL as git gets it: https:// (or http://), host, optional port, path; nothing else.</summary>
    public Uri Url { get; }

    /// <summary>True for a plain http:// remote, which only <see cref="GitOptions.AllowInsecureRemotes"/> lets through.</summary>
    public bool IsInsecure => Url.Scheme == Uri.UriSchemeHttp;

    /// <summary>The host (and port, unless it is the scheme's own) the push must reach: what the sandbox's egress allows.</summary>
    public string Authority => Url.IsDefaultPort ? Url.IdnHost : string.Create(CultureInfo.InvariantCulture, $"{Url.IdnHost}:{Url.Port}");

    public override string ToString() => Url.AbsoluteUri;

    /// <summary>
    /// Reads <paramref name="text"/> as a remote. False, with <paramref name="problem"/> a sentence saying what to give
    /// instead, for anything but an allowed URL.
    /// </summary>
    public static bool TryParse(string? text, bool allowInsecure, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GitRemote? remote, out string problem)
    {
        remote = null;
        problem = "";
        var value = (text ?? "").Trim();
        if (value.Length == 0)
        {
            problem = $"Name the remote as an https:// URL, {Example}.";
            return false;
        }

        if (value.Length > MaxLength)
        {
            problem = $"The remote URL is longer than {MaxLength} characters; give the repository's https:// URL, {Example}.";
            return false;
        }

        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        var helper = value.IndexOf("::", StringComparison.Ordinal);
        if (helper >= 0 && (schemeEnd < 0 || helper < schemeEnd))
        {
            problem = "The remote names a git transport helper ('ext::' or another '<transport>::' form), which runs a program on Kiln's machine; " +
                      $"Kiln pushes over https:// only. Give the repository's https:// URL, {Example}.";
            return false;
        }

        if (value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            problem = $"The remote URL holds spaces or control characters; give the repository's https:// URL, {Example}.";
            return false;
        }

        if (schemeEnd < 0)
        {
            problem = LooksLikeScp(value)
                ? "The remote looks like an SSH address (host:path). Kiln pushes over https:// only and holds no SSH key: " +
                  $"use the repository's HTTPS URL (its host shows it under Clone → HTTPS), {Example}, with a token for the password."
                : "The remote is a path on Kiln's machine, which Kiln never pushes to or reads from; " +
                  $"give the https:// URL of a repository on a git host, {Example}.";
            return false;
        }

        var scheme = value[..schemeEnd].ToLowerInvariant();
        switch (scheme)
        {
            case "https":
                break;
            case "http" when allowInsecure:
                break;
            case "http":
                problem = "Plain http:// would send the code and the token unencrypted, so Kiln refuses it: use the repository's https:// URL, " +
                          "or, for a server on a network you trust, set Kiln:Git:AllowInsecureRemotes=true.";
                return false;
            case "file":
                problem = "file:// remotes are paths on Kiln's machine, which Kiln never pushes to or reads from; " +
                          $"give the https:// URL of a repository on a git host, {Example}.";
                return false;
            case "ssh" or "git+ssh" or "ssh+git":
                problem = "Kiln pushes over https:// only and holds no SSH key: use the repository's HTTPS URL " +
                          $"(its host shows it under Clone → HTTPS), {Example}, with a token for the password.";
                return false;
            case "git":
                problem = "git:// has no authentication or encryption, so Kiln does not use it: give the repository's https:// URL, " + Example + ".";
                return false;
            default:
                problem = $"Kiln pushes over https:// only, not '{Printable(scheme)}://': give the repository's https:// URL, {Example}.";
                return false;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.IdnHost.Length == 0 || url.HostNameType == UriHostNameType.Unknown)
        {
            problem = $"The remote is not a URL Kiln can read: give the repository's https:// URL with a host, {Example}.";
            return false;
        }

        if (url.UserInfo.Length > 0)
        {
            problem = "The remote URL carries a user name or password (user@ or user:token@). Remove it from the URL and give the token " +
                      "in the token field instead: Kiln passes it to git for each push and never keeps a credential in a URL.";
            return false;
        }

        if (url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            problem = $"A git remote URL has no query (?) or fragment (#): give the repository's https:// URL, {Example}.";
            return false;
        }

        if (url.AbsolutePath is "/" or "")
        {
            problem = $"The remote URL names a host but no repository: add its path, {Example}.";
            return false;
        }

        remote = new GitRemote(url);
        return true;
    }

    /// <summary>git's scp-like syntax: a colon before the first slash (<c>git@github.com:you/app.git</c>).</summary>
    private static bool LooksLikeScp(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return colon > 0 && (slash < 0 || colon < slash);
    }

    /// <summary>A scheme as it may be shown back: letters, digits and + - . only, and short.</summary>
    private static string Printable(string scheme) =>
        scheme.Length <= 20 && scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? scheme : "that scheme";
}
