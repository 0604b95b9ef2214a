namespace Kiln.Projects;

/// <summary>A project's variables with their values, and its secrets by name only: all anyone outside its processes sees.</summary>
public sealed record EnvironmentView(IReadOnlyDictionary<string, string> Variables, IReadOnlyList<SecretName> Secrets);

/// <summary>A secret as it is listed: its name and when it was set, never its value.</summary>
public sealed record SecretName(string Name, DateTimeOffset SetAt);

/// <summary>What a project's processes are given: its variables and secrets, and how to hide the secrets in their output.</summary>
public sealed record AppEnvironment(IReadOnlyDictionary<string, string> Variables, SecretRedactor Redactor)
{
    public static readonly AppEnvironment Empty = new(new Dictionary<string, string>(), SecretRedactor.None);
}

/// <summary>How a change to a project's variables or secrets ended.</summary>
public abstract record EnvironmentChange
{
    private EnvironmentChange()
    {
    }

    /// <summary>Stored; <paramref name="Changed"/> is false when it was already so (nothing to restart).</summary>
    public sealed record Done(EnvironmentView View, bool Changed) : EnvironmentChange;

    public sealed record ProjectMissing : EnvironmentChange;

    public sealed record SecretMissing(string Name) : EnvironmentChange;

    /// <summary>A name or value the rules refuse (<see cref="EnvironmentNames"/>).</summary>
    public sealed record Refused(string Title, string Detail) : EnvironmentChange;

    /// <summary>The name is taken by the other kind (a variable and a secret never share one).</summary>
    public sealed record Conflicting(string Title, string Detail) : EnvironmentChange;
}
