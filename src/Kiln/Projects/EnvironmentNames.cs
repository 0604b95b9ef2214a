using System.Text.RegularExpressions;
using Kiln.Sandbox;

namespace Kiln.Projects;

/// <summary>
/// The rules for the names and values of a project's variables and secrets, each refusal a sentence a person can act on.
/// </summary>
public static partial class EnvironmentNames
{
    public const int MaxNameLength = 128;

    /// <summary>The longest value, in UTF-8 bytes: enough for a PEM key, small enough for the project's record.</summary>
    public const int MaxValueBytes = 32 * 1024;

    /// <summary>Variables and secrets a project may have, each.</summary>
    public const int MaxCount = 100;

    /// <summary>
    /// The shortest secret: Kiln hides each secret's value wherever command output is shown, and a shorter one would
    /// hide ordinary words and numbers too.
    /// </summary>
    public const int MinSecretLength = 8;

    /// <summary>Prefixes the app's bundler inlines into the code it sends to the browser.</summary>
    public static IReadOnlyList<string> BrowserPrefixes { get; } = ["VITE_", "NEXT_PUBLIC_", "REACT_APP_"];

    [GeneratedRegex("^[A-Z_][A-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    /// <summary>Why <paramref name="name"/> cannot name a variable or secret, or null when it can.</summary>
    public static string? NameRefusal(string name)
    {
        if (name.Length is 0 or > MaxNameLength || !Shape().IsMatch(name))
        {
            return $"'{Shorten(name)}' is not a valid name: use capital letters, digits and underscores, not starting with a digit " +
                   $"(^[A-Z_][A-Z0-9_]*$), at most {MaxNameLength} characters, for example STRIPE_SECRET_KEY.";
        }

        return ChildEnvironment.ReservedReason(name) is { } reason ? $"A project cannot set {name}: {reason}" : null;
    }

    /// <summary>Why <paramref name="name"/> cannot name a secret (on top of <see cref="NameRefusal"/>), or null.</summary>
    public static string? SecretNameRefusal(string name) =>
        BrowserPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal)) is { } prefix
            ? $"{name} cannot be a secret: the app's bundler puts every {prefix} variable into the JavaScript it sends to the " +
              "browser, where anyone can read it. Keep the secret on a server (a name without that prefix, read by server code " +
              $"with process.env), or, if the value is meant to be public, set it as an environment variable with PUT /api/projects/{{id}}/env."
            : null;

    /// <summary>Why <paramref name="value"/> cannot be the value of <paramref name="name"/>, or null.</summary>
    public static string? ValueRefusal(string name, string? value, bool secret)
    {
        if (value is null)
        {
            return $"{name} has no value: give a string.";
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            return $"The value of {name} contains a NUL character, which no process environment can hold.";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxValueBytes)
        {
            return $"The value of {name} is larger than {MaxValueBytes / 1024} KiB.";
        }

        return secret && value.Length < MinSecretLength
            ? $"A secret must be at least {MinSecretLength} characters: Kiln hides secret values in command output, and a shorter " +
              "one would hide ordinary text. If the value is not secret, set it as an environment variable instead."
            : null;
    }

    private static string Shorten(string name) => name.Length > 40 ? name[..40] + "…" : name;
}
