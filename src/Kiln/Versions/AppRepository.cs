using System.Globalization;
using Kiln.Projects;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Versions;

/// <summary>
/// The git repository Kiln keeps in an app directory, driven with the <c>git</c> CLI through the sandbox's runner
/// (the one place processes start). Kiln's own calls may write <c>.git</c>; the agent's commands never can.
/// Every call pins its configuration on the command line and in the environment, so no system, user or
/// repository setting (hooks, signing, filters, pagers, line-ending conversion) changes what a version holds.
/// Arguments from a request never reach git: revisions are full hashes Kiln read itself, and paths follow
/// <c>--</c> with pathspec magic switched off. Every git speaks https alone to a remote (http too when
/// <see cref="GitOptions.AllowInsecureRemotes"/>), whatever a URL, a redirect or a submodule asks for.
/// </summary>
public sealed class AppRepository(SandboxedProcessRunner runner, TimeProvider time, IOptions<GitOptions> options)
{
    /// <summary>The identity every version is committed under.</summary>
    public const string AuthorName = "Kiln";

    public const string AuthorEmail = "kiln@localhost";

    /// <summary>The author of a version of the person's hand edits (Kiln still commits it).</summary>
    public const string PersonAuthor = "You <you@localhost>";

    /// <summary>The name <see cref="PersonAuthor"/> has in the log.</summary>
    public const string PersonAuthorName = "You";

    /// <summary>The tree with no files: what the first version is compared against.</summary>
    public const string EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Kept out of every version, through .git/info/exclude (the app's own .gitignore is the app's).</summary>
    private const string Exclude = $"""
        # Written by Kiln: dependencies, build output and Kiln's own files are never part of a version.
        node_modules/
        /dist/
        /build/
        /.next/
        /.pnpm-store/
        /.kiln/
        *{AtomicFile.TemporarySuffix}
        /.claude-session/
        /logs/
        """;

    /// <summary>
    /// Highest-precedence attributes: no line-ending conversion, filters, ident or re-encoding, and nothing left out of
    /// or rewritten in an export, whatever the app's own .gitattributes says, so a version holds and gives back exact bytes.
    /// </summary>
    private const string Attributes = """
        * -text -eol -filter -ident -working-tree-encoding -export-ignore -export-subst
        """;

    private static readonly string[] Settings =
    [
        "-c", "core.hooksPath=/dev/null",
        "-c", "core.fsmonitor=false",
        "-c", "core.autocrlf=false",
        "-c", "core.safecrlf=false",
        "-c", "core.symlinks=true",
        "-c", "core.quotePath=false",
        "-c", "core.pager=cat",
        "-c", "commit.gpgSign=false",
        "-c", "tag.gpgSign=false",
        "-c", "gc.auto=0",
        "-c", "maintenance.auto=false",
        "-c", "color.ui=false",
        "-c", "init.defaultBranch=main",
        "-c", "safe.directory=*",
        "-c", $"user.name={AuthorName}",
        "-c", $"user.email={AuthorEmail}",
    ];

    /// <summary>Whether the app directory already has Kiln's repository.</summary>
    public static bool Exists(string appDirectory) => File.Exists(Path.Combine(appDirectory, ".git", "HEAD"));

    /// <summary>Creates the repository when there is none, and (re)writes Kiln's exclude and attributes files.</summary>
    public async Task EnsureAsync(string appDirectory, CancellationToken cancellationToken)
    {
        if (!Exists(appDirectory))
        {
            await RunCheckedAsync(appDirectory, ["init", "--quiet"], cancellationToken);
        }

        var info = Directory.CreateDirectory(Path.Combine(appDirectory, ".git", "info")).FullName;
        await WriteIfChangedAsync(Path.Combine(info, "exclude"), Exclude + "\n", cancellationToken);
        await WriteIfChangedAsync(Path.Combine(info, "attributes"), Attributes + "\n", cancellationToken);
    }

    /// <summary>Runs git in the app directory; the result carries its exit code and output (stdout and stderr).</summary>
    public Task<ProcessResult> RunAsync(
        string appDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? standardInput = null) =>
        runner.RunAsync(Spec(appDirectory, arguments, standardInput), onOutputLine: null, cancellationToken);

    /// <summary>
    /// Runs git against <paramref name="remote"/>: the sandbox lets it reach the remote's host and nothing else (through
    /// its egress proxy, when commands have a network namespace of their own), for at most
    /// <see cref="GitOptions.NetworkTimeoutSeconds"/>. <paramref name="configuration"/> reaches git through its environment
    /// (<c>GIT_CONFIG_COUNT</c>, <c>GIT_CONFIG_KEY_n</c>, <c>GIT_CONFIG_VALUE_n</c>), which only this process and root can
    /// read, never through its command line, which every process on the machine can read in /proc, or a config file.
    /// </summary>
    public Task<ProcessResult> RunRemoteAsync(
        string appDirectory, GitRemote remote, IReadOnlyList<string> arguments, IReadOnlyList<KeyValuePair<string, string>> configuration,
        CancellationToken cancellationToken)
    {
        var spec = Spec(appDirectory, arguments, standardInput: null);
        var environment = new Dictionary<string, string>(spec.Environment)
        {
            ["GIT_CONFIG_COUNT"] = configuration.Count.ToString(CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < configuration.Count; i++)
        {
            environment[$"GIT_CONFIG_KEY_{i}"] = configuration[i].Key;
            environment[$"GIT_CONFIG_VALUE_{i}"] = configuration[i].Value;
        }

        return runner.RunAsync(
            spec with
            {
                Timeout = TimeSpan.FromSeconds(options.Value.NetworkTimeoutSeconds),
                Environment = environment,
                // The host a person named for this push, reached whatever Kiln:Sandbox:AllowedHosts says for package installs.
                Egress = new EgressGrant([remote.Authority]) { HostsNamedByPerson = true },
            },
            onOutputLine: null,
            cancellationToken);
    }

    /// <summary>Runs git and throws <see cref="VersionHistoryException"/> unless it succeeds.</summary>
    public async Task<ProcessResult> RunCheckedAsync(
        string appDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? standardInput = null)
    {
        var result = await RunAsync(appDirectory, arguments, cancellationToken, standardInput);
        cancellationToken.ThrowIfCancellationRequested();
        return result.ExitCode == 0 && !result.TimedOut
            ? result
            : throw new VersionHistoryException($"git {arguments[0]} failed with exit code {result.ExitCode}: {result.Output.Trim()}");
    }

    /// <summary>
    /// Runs a git command that writes its result to a file (<c>--output</c>), and returns the file's bytes: exact, whatever
    /// they hold, and not limited by the runner's cap on captured output. <paramref name="arguments"/> receives the path.
    /// </summary>
    public async Task<byte[]> ReadOutputAsync(
        string appDirectory, Func<string, IReadOnlyList<string>> arguments, CancellationToken cancellationToken)
    {
        // Inside .git, which Kiln's own git calls may write and nothing serves or lists.
        var scratch = Directory.CreateDirectory(Path.Combine(appDirectory, ".git", "kiln-scratch")).FullName;
        var file = Path.Combine(scratch, Guid.NewGuid().ToString("N"));
        try
        {
            await RunCheckedAsync(appDirectory, arguments(file), cancellationToken);
            return File.Exists(file) ? await File.ReadAllBytesAsync(file, cancellationToken) : [];
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Removes a lock file a killed git left behind; only called while Kiln holds the project's history lock.</summary>
    public static void RemoveStaleLock(string appDirectory) => File.Delete(Path.Combine(appDirectory, ".git", "index.lock"));

    /// <summary>What <c>GIT_ALLOW_PROTOCOL</c> holds: https, and http only when insecure remotes are allowed.</summary>
    public string AllowedProtocols => options.Value.AllowInsecureRemotes ? "https:http" : "https";

    private ProcessSpec Spec(string appDirectory, IReadOnlyList<string> arguments, string? standardInput)
    {
        var gitDirectory = Path.Combine(appDirectory, ".git");
        var now = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + " +0000";
        return new ProcessSpec(["git", .. Settings, .. arguments], appDirectory, [appDirectory])
        {
            Timeout = Timeout,
            StandardInput = standardInput,
            Environment = new Dictionary<string, string>
            {
                // This repository and no other: never one found by walking up from the app directory.
                ["GIT_DIR"] = gitDirectory,
                ["GIT_WORK_TREE"] = appDirectory,
                ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(appDirectory) ?? "/",
                // Neither the machine's nor a user's configuration; the runner gives HOME an empty directory too.
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["GIT_CONFIG_GLOBAL"] = "/dev/null",
                ["GIT_TERMINAL_PROMPT"] = "0",
                ["GIT_PAGER"] = "cat",
                // The one transport a remote may use, for this git and every git it starts (a submodule, a remote
                // helper): no file://, ext::, ssh or git://, so nothing reads Kiln's disk or runs a program.
                ["GIT_ALLOW_PROTOCOL"] = AllowedProtocols,
                // A path is a path: ':(glob)' and friends are not interpreted.
                ["GIT_LITERAL_PATHSPECS"] = "1",
                // Versions are dated by Kiln's clock, like everything else it records.
                ["GIT_AUTHOR_DATE"] = now,
                ["GIT_COMMITTER_DATE"] = now,
            },
        };
    }

    private static async Task WriteIfChangedAsync(string path, string content, CancellationToken cancellationToken)
    {
        if (!File.Exists(path) || await File.ReadAllTextAsync(path, cancellationToken) != content)
        {
            await File.WriteAllTextAsync(path, content, cancellationToken);
        }
    }
}

/// <summary>Git could not do what Kiln asked of the project's history; the message carries git's own words.</summary>
public sealed class VersionHistoryException(string message) : Exception(message);
