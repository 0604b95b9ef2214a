namespace Kiln.Versions;

/// <summary>How a push ended; every failure carries a sentence that says what to do.</summary>
public abstract record GitPushResult
{
    private GitPushResult()
    {
    }

    /// <summary>The remote's branch is the project's latest version now; <c>Commits</c> were new to it (0: it was up to date).</summary>
    public sealed record Pushed(string Remote, string Branch, string Commit, int Commits) : GitPushResult;

    /// <summary>The request names something Kiln will not push to or with (a remote, a branch, a token); nothing was sent.</summary>
    public sealed record Invalid(string Message) : GitPushResult;

    /// <summary>Nothing to push (no version yet), or a push of the project is already running.</summary>
    public sealed record NotNow(string Message) : GitPushResult;

    /// <summary>The remote refused the update: its branch has commits the project lacks, or a hook or rule declined it.</summary>
    public sealed record Rejected(string Message) : GitPushResult;

    /// <summary>The remote asked for credentials it did not get, or refused the token (wrong, expired, or no write access).</summary>
    public sealed record Unauthorized(string Message) : GitPushResult;

    /// <summary>The remote has no such repository (or hides it from this token).</summary>
    public sealed record RemoteNotFound(string Message) : GitPushResult;

    /// <summary>The remote could not be reached or did not answer in time, or git failed in a way Kiln cannot place.</summary>
    public sealed record Unreachable(string Message) : GitPushResult;
}
