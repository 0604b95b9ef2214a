using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Kiln.Events;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Versions;

/// <summary>
/// Pushes a project's history (DESIGN.md section 11): the commits of Kiln's own repository of the app, which never hold
/// node_modules, build output or Kiln's files, to a branch of an https remote, never forced. The token goes to git for
/// the one command, as an <c>http.extraHeader</c> in the environment: never on a command line, in a URL, the
/// repository's config, a log line, an event or an answer. One push per project at a time.
/// </summary>
public sealed partial class GitPusher(
    AppRepository repository,
    ProjectWorkspace workspace,
    GitSettings settings,
    EventLog events,
    IOptions<GitOptions> options,
    TimeProvider time,
    ILogger<GitPusher> logger)
{
    public const string DefaultBranch = "main";

    /// <summary>Longest token taken; hosts' tokens are well under 300 characters.</summary>
    public const int MaxTokenLength = 1024;

    /// <summary>What git is told the token belongs to: GitHub, GitLab and Gitea take a token as the password for any user name, this one included.</summary>
    private const string TokenUser = "x-access-token";

    private readonly ConcurrentDictionary<string, byte> _pushing = new();

    /// <summary>
    /// Pushes the project's latest version and every version before it to <paramref name="branch"/> (main when null) of
    /// <paramref name="remoteText"/> (the project's saved remote when null), with <paramref name="token"/> or, when none is
    /// given, the token stored for that remote. <paramref name="saveToken"/> keeps the given token, sealed, once the push lands.
    /// </summary>
    public async Task<GitPushResult> PushAsync(
        string projectId, string? remoteText, string? branch, string? token, bool saveToken, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        remoteText ??= (await settings.ReadAsync(projectId, cancellationToken)).Remote;
        if (!GitRemote.TryParse(remoteText, options.Value.AllowInsecureRemotes, out var remote, out var problem))
        {
            return new GitPushResult.Invalid(problem);
        }

        branch = string.IsNullOrWhiteSpace(branch) ? DefaultBranch : branch.Trim();
        if (BranchProblem(branch) is { } branchProblem)
        {
            return new GitPushResult.Invalid(branchProblem);
        }

        token = string.IsNullOrEmpty(token) ? null : token;
        if (token is not null && TokenProblem(token) is { } tokenProblem)
        {
            return new GitPushResult.Invalid(tokenProblem);
        }

        if (saveToken && token is null)
        {
            return new GitPushResult.Invalid("There is no token to remember: give the token in the same request as saveToken.");
        }

        if (!_pushing.TryAdd(projectId, 0))
        {
            return new GitPushResult.NotNow("The project is being pushed now. Wait for that push to finish (the git_pushed or git_push_failed event), then push again.");
        }

        try
        {
            return await PushCoreAsync(projectId, remote, branch, token, saveToken, cancellationToken);
        }
        finally
        {
            _pushing.TryRemove(projectId, out _);
        }
    }

    private async Task<GitPushResult> PushCoreAsync(
        string projectId, GitRemote remote, string branch, string? token, bool saveToken, CancellationToken cancellationToken)
    {
        var app = workspace.AppDirectory(projectId);
        if (!AppRepository.Exists(app) ||
            await repository.RunAsync(app, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cancellationToken) is not { ExitCode: 0 } head)
        {
            return new GitPushResult.NotNow("The project has no versions yet: a version is made when a prompt's generation ends. Push after the first one.");
        }

        var commit = head.Output.Trim();
        var credential = token ?? await settings.TokenForAsync(projectId, remote, cancellationToken);
        var header = credential is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TokenUser}:{credential}"));
        var result = await repository.RunRemoteAsync(
            app,
            remote,
            ["push", "--porcelain", "--no-follow-tags", remote.ToString(), $"{commit}:refs/heads/{branch}"],
            header is null ? [] : [new("http.extraHeader", "Authorization: " + header)],
            cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        // git does not print the header, but nothing of the credential may leave this method whatever git says.
        var output = Scrub(result.Output, credential, header);
        var outcome = result.ExitCode == 0 && !result.TimedOut
            ? await LandedAsync(app, remote, branch, commit, output, cancellationToken)
            : Failure(remote, result.TimedOut, output, credential is not null);

        var at = time.GetUtcNow();
        switch (outcome)
        {
            case GitPushResult.Pushed pushed:
                await settings.RecordLandedAsync(projectId, remote, branch, saveToken ? token : null,
                    new GitPushRecord(at, pushed.Remote, branch, true, commit, pushed.Commits, null), CancellationToken.None);
                LogPushed(logger, pushed.Remote, branch, pushed.Commits);
                await events.AppendAsync(projectId, new GitPushed(pushed.Remote, branch, commit, pushed.Commits), CancellationToken.None);
                break;
            default:
                var message = MessageOf(outcome);
                await settings.RecordFailedAsync(projectId, new GitPushRecord(at, remote.ToString(), branch, false, null, 0, message), CancellationToken.None);
                LogPushFailed(logger, remote.ToString(), branch, message);
                await events.AppendAsync(projectId, new GitPushFailed(remote.ToString(), branch, message), CancellationToken.None);
                break;
        }

        return outcome;
    }

    /// <summary>The pushed answer: how many commits were new to the remote, read from git's porcelain line for the branch.</summary>
    private async Task<GitPushResult> LandedAsync(string app, GitRemote remote, string branch, string commit, string output, CancellationToken cancellationToken)
    {
        var line = output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.Length > 2 && l[1] == '\t' && l.Contains($":refs/heads/{branch}\t", StringComparison.Ordinal));
        var summary = line?.Split('\t') is [_, _, var last, ..] ? last : "";
        string[]? range = line is null ? null : line[0] switch
        {
            '=' => null, // Up to date.
            ' ' when summary.Split("..") is [var from, var _] => [$"{from}..{commit}"],
            _ => [commit],
        };
        var commits = 0;
        if (range is not null)
        {
            var count = await repository.RunAsync(app, ["rev-list", "--count", .. range], cancellationToken);
            int.TryParse(count.Output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out commits);
        }

        return new GitPushResult.Pushed(remote.ToString(), branch, commit, commits);
    }

    /// <summary>What a failed push means, from git's own words, as something a person can act on.</summary>
    private GitPushResult Failure(GitRemote remote, bool timedOut, string output, bool hadToken)
    {
        var text = output.ToLowerInvariant();
        var said = LastLines(output);
        var host = remote.Url.Host;
        if (timedOut)
        {
            return new GitPushResult.Unreachable(
                $"The push to {host} did not finish within {options.Value.NetworkTimeoutSeconds} s (Kiln:Git:NetworkTimeoutSeconds). Check that the host is up and reachable from Kiln's machine, then push again.");
        }

        if (text.Contains("[remote rejected]", StringComparison.Ordinal))
        {
            return new GitPushResult.Rejected($"{host} refused the push (a branch protection rule or a hook declined it). Push to another branch, or change the rule on the host. git said:\n{said}");
        }

        if (text.Contains("[rejected]", StringComparison.Ordinal))
        {
            return new GitPushResult.Rejected(
                $"The branch on {host} has commits this project does not have (someone pushed to it, or the repository was not empty), and Kiln never force-pushes. " +
                "Push to a new branch instead (name one in the branch field), or create an empty repository for the project.");
        }

        if (text.Contains("could not read username", StringComparison.Ordinal) || text.Contains("authentication failed", StringComparison.Ordinal) ||
            text.Contains("error: 401", StringComparison.Ordinal) || text.Contains("error: 403", StringComparison.Ordinal) ||
            text.Contains("permission to", StringComparison.Ordinal) || text.Contains("http basic: access denied", StringComparison.Ordinal))
        {
            return new GitPushResult.Unauthorized(hadToken
                ? $"{host} refused the token: it is wrong or expired, or lacks write access to this repository (GitHub: Contents read and write; GitLab: write_repository; Gitea: write:repository). Give a token that can push, and tick remember to keep it."
                : $"{host} asks for credentials and Kiln has no token for this remote. Give a token with write access to the repository (and tick remember to keep it for later pushes).");
        }

        if (text.Contains("not found", StringComparison.Ordinal) || text.Contains("error: 404", StringComparison.Ordinal))
        {
            return new GitPushResult.RemoteNotFound(
                $"{host} has no repository at {remote.Url.AbsolutePath} (or does not show it to this token). Create the repository on {host} first, or check the URL.");
        }

        return new GitPushResult.Unreachable(
            $"The push to {host} failed before the remote answered it: check the URL and that {host} is reachable from Kiln's machine. git said:\n{said}");
    }

    /// <summary>Null for a branch name git and every host take; otherwise what is wrong with it.</summary>
    public static string? BranchProblem(string branch)
    {
        const string Rule = "A branch name is letters, digits and . _ - /, such as main or kiln/app, not starting with '-' or '/'.";
        if (branch.Length > 200)
        {
            return "The branch name is longer than 200 characters. " + Rule;
        }

        var wellFormed = branch.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/') &&
                         branch[0] is not ('-' or '/' or '.') && !branch.EndsWith('/') && !branch.EndsWith('.') &&
                         !branch.EndsWith(".lock", StringComparison.Ordinal) && !branch.Contains("..", StringComparison.Ordinal) &&
                         !branch.Contains("//", StringComparison.Ordinal) && !branch.Contains("/.", StringComparison.Ordinal) && branch != "HEAD";
        return wellFormed ? null : $"'{branch}' is not a branch name Kiln pushes to. " + Rule;
    }

    /// <summary>Null for a token that can go in a header; never repeats the token.</summary>
    public static string? TokenProblem(string token) =>
        token.Length > MaxTokenLength
            ? $"The token is longer than {MaxTokenLength} characters; give the access token the git host made for you."
            : token.All(c => c is > ' ' and < '\u007f')
                ? null
                : "The token holds spaces, line breaks or other characters an access token never has; copy it again from the git host.";

    private static string Scrub(string output, string? token, string? header)
    {
        foreach (var secret in new[] { token, header, header?["Basic ".Length..] })
        {
            if (!string.IsNullOrEmpty(secret))
            {
                output = output.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return output;
    }

    private static string LastLines(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', lines.TakeLast(6));
    }

    private static string MessageOf(GitPushResult outcome) => outcome switch
    {
        GitPushResult.Rejected r => r.Message,
        GitPushResult.Unauthorized u => u.Message,
        GitPushResult.RemoteNotFound n => n.Message,
        GitPushResult.Unreachable u => u.Message,
        _ => outcome.ToString(),
    };

    [LoggerMessage(EventId = 9201, Level = LogLevel.Information, Message = "Pushed the history to {Remote} branch {Branch}: {Commits} new commits")]
    private static partial void LogPushed(ILogger logger, string remote, string branch, int commits);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Warning, Message = "The push to {Remote} branch {Branch} failed: {Reason}")]
    private static partial void LogPushFailed(ILogger logger, string remote, string branch, string reason);
}
