using Kiln.Versions;

namespace Kiln.Tests.Versions;

/// <summary>Which remotes Kiln talks to: https, http only when allowed, and every other transport refused with a reason.</summary>
public sealed class GitRemoteTests
{
    [Theory]
    [InlineData("https://github.com/you/app.git", "https://github.com/you/app.git", "github.com")]
    [InlineData("  https://gitlab.example.com:8443/group/app  ", "https://gitlab.example.com:8443/group/app", "gitlab.example.com:8443")]
    [InlineData("HTTPS://Gitea.Example.com/you/app.git", "https://gitea.example.com/you/app.git", "gitea.example.com")]
    public void An_https_remote_is_taken(string text, string url, string authority)
    {
        Assert.True(GitRemote.TryParse(text, allowInsecure: false, out var remote, out var problem), problem);
        Assert.Equal(url, remote.ToString());
        Assert.Equal(authority, remote.Authority);
        Assert.False(remote.IsInsecure);
    }

    [Fact]
    public void Plain_http_needs_the_option()
    {
        Assert.False(GitRemote.TryParse("http://127.0.0.1:8080/app.git", allowInsecure: false, out _, out var problem));
        Assert.Contains("Kiln:Git:AllowInsecureRemotes=true", problem, StringComparison.Ordinal);

        Assert.True(GitRemote.TryParse("http://127.0.0.1:8080/app.git", allowInsecure: true, out var remote, out problem), problem);
        Assert.True(remote.IsInsecure);
        Assert.Equal("127.0.0.1:8080", remote.Authority);
    }

    [Theory]
    [InlineData("", "https://")]
    [InlineData("file:///etc/app.git", "Kiln's machine")]
    [InlineData("FILE:///srv/repo", "Kiln's machine")]
    [InlineData("/srv/git/app.git", "path on Kiln's machine")]
    [InlineData("../other-project/generated-app", "path on Kiln's machine")]
    [InlineData("~/app.git", "path on Kiln's machine")]
    [InlineData("ext::sh -c touch% /tmp/pwned", "runs a program")]
    [InlineData("ext::git-remote-ext", "runs a program")]
    [InlineData("fd::17", "runs a program")]
    [InlineData("git@github.com:you/app.git", "SSH")]
    [InlineData("github.com:you/app.git", "SSH")]
    [InlineData("ssh://git@github.com/you/app.git", "no SSH key")]
    [InlineData("git+ssh://github.com/you/app.git", "no SSH key")]
    [InlineData("git://github.com/you/app.git", "no authentication")]
    [InlineData("ftp://example.com/app.git", "'ftp://'")]
    [InlineData("https://github.com/", "no repository")]
    [InlineData("https://github.com/you/app.git?x=1", "no query")]
    [InlineData("https://github.com/you/app.git#main", "no query")]
    [InlineData("https://github.com/you/app .git", "spaces")]
    [InlineData("https://github.com/you/\napp.git", "control characters")]
    public void Other_remotes_are_refused_with_what_to_give_instead(string text, string reason)
    {
        Assert.False(GitRemote.TryParse(text, allowInsecure: true, out var remote, out var problem));
        Assert.Null(remote);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://x-access-token:ghp_s3cret@github.com/you/app.git")]
    [InlineData("https://ghp_s3cret@github.com/you/app.git")]
    [InlineData("http://user:ghp_s3cret@127.0.0.1:8080/app.git")]
    public void A_url_with_credentials_is_refused_without_repeating_them(string text)
    {
        Assert.False(GitRemote.TryParse(text, allowInsecure: true, out _, out var problem));
        Assert.Contains("token field", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", problem, StringComparison.Ordinal);
    }
}
