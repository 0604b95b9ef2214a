using Kiln.Testing;
using Kiln.Tests.Tools;
using Kiln.Versions;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Versions;

/// <summary>
/// The second line behind <see cref="GitRemote"/>: a git Kiln runs speaks https alone to a remote, so even a URL that
/// reached git would not read Kiln's disk (file://, a local path's alternates) or run a program (ext::).
/// </summary>
public sealed class GitProtocolTests : IAsyncLifetime
{
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync() => _tools = await ToolHarness.StartAsync();

    public ValueTask DisposeAsync() => _tools.DisposeAsync();

    [Fact]
    public async Task A_git_Kiln_runs_refuses_file_and_ext_transports()
    {
        Requires.Git();
        var repository = _tools.Services.GetRequiredService<AppRepository>();
        await repository.EnsureAsync(_tools.AppDirectory, CancellationToken.None);
        Assert.Equal("https", repository.AllowedProtocols);

        var marker = Path.Combine(_tools.AppDirectory, "ext-ran");
        foreach (var url in new[] { $"file://{_tools.Outside}", $"ext::touch {marker}" })
        {
            var result = await repository.RunAsync(_tools.AppDirectory, ["ls-remote", url], CancellationToken.None);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("not allowed", result.Output, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(marker));
    }
}
