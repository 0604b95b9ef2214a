namespace Kiln.Tests.Tools;

/// <summary>The preview tools, before the live dev-server preview: honest about what is and is not there.</summary>
public sealed class PreviewToolTests : IAsyncLifetime
{
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync() => _tools = await ToolHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _tools.DisposeAsync();

    [Fact]
    public async Task Start_dev_server_is_a_clear_error_that_names_the_static_preview()
    {
        var (isError, text) = await _tools.CallAsync("start_dev_server", new { });

        Assert.True(isError);
        Assert.StartsWith("The dev server is not available yet: the live dev-server preview arrives in a later version", text, StringComparison.Ordinal);
        Assert.Contains($"/api/projects/{_tools.ProjectId}/preview/", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_server_status_says_no_server_runs()
    {
        var (isError, text) = await _tools.CallAsync("check_server_status", new { });

        Assert.False(isError, text);
        Assert.StartsWith("No dev server is running.", text, StringComparison.Ordinal);
        Assert.Contains("not available yet", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_preview_url_returns_the_static_preview()
    {
        var (_, empty) = await _tools.CallAsync("generate_preview_url", new { });
        _tools.Write("index.html", "<h1>hi</h1>");
        var (isError, text) = await _tools.CallAsync("generate_preview_url", new { });

        Assert.False(isError, text);
        Assert.StartsWith($"/api/projects/{_tools.ProjectId}/preview/\n", text, StringComparison.Ordinal);
        Assert.Contains("index.html is its start page", text, StringComparison.Ordinal);
        Assert.Contains("no index.html", empty, StringComparison.Ordinal);
    }
}
