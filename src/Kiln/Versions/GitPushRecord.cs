namespace Kiln.Versions;

/// <summary>
/// How the last push went: when, to which remote (never with a credential) and branch, whether it landed, the commit it
/// sent and how many commits were new to the remote, or why it failed.
/// </summary>
public sealed record GitPushRecord(
    DateTimeOffset At, string Remote, string Branch, bool Ok, string? Commit, int Commits, string? Message);
