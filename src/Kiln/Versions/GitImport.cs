using System.Text;
using Microsoft.Extensions.Options;

namespace Kiln.Versions;

/// <summary>
/// Brings in an app from a git remote: the URL is vetted by <see cref="GitRemote"/> (https only, no file://, ext:: or
/// local paths), its branch is fetched one commit deep (no tags, no submodules) into a scratch repository with the
/// token as an <c>http.extraHeader</c> in git's environment (never its URL, command line, config or a log), and the
/// commit is exported with <c>git archive</c> as a zip that goes through the very checks an uploaded zip does
/// (<see cref="ZipImport"/>): links, sizes and counts. The remote's history and <c>.git</c> stay behind, so the
/// project's own history starts at "imported".
/// </summary>
public sealed class GitImport(AppRepository repository, ZipImport zips, IOptions<GitOptions> options)
{
    private const string TokenUser = "x-access-token";

    /// <summary>Fetches and unpacks; throws <see cref="ImportRefusedException"/> with what to change when it cannot.</summary>
    public async Task<UnpackedApp> FetchAsync(string? url, string? branch, string? token, CancellationToken cancellationToken)
    {
        if (!GitRemote.TryParse(url, options.Value.AllowInsecureRemotes, out var remote, out var problem))
        {
            throw new ImportRefusedException(null, problem.Replace("Kiln pushes", "Kiln imports", StringComparison.Ordinal));
        }

        branch = string.IsNullOrWhiteSpace(branch) ? null : branch.Trim();
        if (branch is not null && GitPusher.BranchProblem(branch) is { } branchProblem)
        {
            throw new ImportRefusedException(null, branchProblem);
        }

        token = string.IsNullOrEmpty(token) ? null : token;
        if (token is not null && GitPusher.TokenProblem(token) is { } tokenProblem)
        {
            throw new ImportRefusedException(null, tokenProblem);
        }

        var scratch = Directory.CreateDirectory(Path.Combine(zips.ScratchRoot, Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            await repository.RunCheckedAsync(scratch, ["init", "--quiet"], cancellationToken);
            var header = token is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TokenUser}:{token}"));
            var fetched = await repository.RunRemoteAsync(
                scratch,
                remote,
                ["fetch", "--quiet", "--depth=1", "--no-tags", "--no-recurse-submodules", remote.ToString(), branch is null ? "HEAD" : $"refs/heads/{branch}"],
                header is null ? [] : [new("http.extraHeader", "Authorization: " + header)],
                cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            if (fetched.ExitCode != 0 || fetched.TimedOut)
            {
                throw new ImportRefusedException(null, FetchFailure(remote, branch, fetched.TimedOut, Scrub(fetched.Output, token, header), token is not null));
            }

            // The commit as a zip, exactly as a person's upload is checked: a link or an oversized tree is refused here too.
            var archive = Path.Combine(scratch, ".git", "import.zip");
            await repository.RunCheckedAsync(scratch, ["archive", "--format=zip", $"--output={archive}", "FETCH_HEAD"], cancellationToken);
            await using var zip = File.OpenRead(archive);
            return await zips.UnpackAsync(zip, cancellationToken);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private string FetchFailure(GitRemote remote, string? branch, bool timedOut, string output, bool hadToken)
    {
        var host = remote.Url.Host;
        var text = output.ToLowerInvariant();
        var said = string.Join('\n', output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5));
        if (timedOut)
        {
            return $"Fetching from {host} did not finish within {options.Value.NetworkTimeoutSeconds} s (Kiln:Git:NetworkTimeoutSeconds). Check that the host is reachable from Kiln's machine, or send the app as a zip.";
        }

        if (text.Contains("could not read username", StringComparison.Ordinal) || text.Contains("authentication failed", StringComparison.Ordinal)
            || text.Contains("error: 401", StringComparison.Ordinal) || text.Contains("error: 403", StringComparison.Ordinal))
        {
            return hadToken
                ? $"{host} refused the token: it is wrong or expired, or cannot read this repository. Give a token with read access."
                : $"{host} asks for credentials: the repository is private. Give a token with read access to it.";
        }

        if (text.Contains("couldn't find remote ref", StringComparison.Ordinal))
        {
            return $"The repository has no branch '{branch}'. Name an existing branch, or leave it out for the default one.";
        }

        return $"Kiln could not fetch the repository from {host}: check the URL (and the token, for a private one). git said:\n{said}";
    }

    private static string Scrub(string output, string? token, string? header)
    {
        foreach (var secret in new[] { header, token }.OfType<string>())
        {
            output = output.Replace(secret, "***", StringComparison.Ordinal);
        }

        return output;
    }
}
