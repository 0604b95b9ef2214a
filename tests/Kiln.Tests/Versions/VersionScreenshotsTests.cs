using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Kiln.Versions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Versions;

/// <summary>The screenshots kept per version, on disk beside the app: what is kept, what a page is compared with, and what is known to render.</summary>
public sealed class VersionScreenshotsTests : IDisposable
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3];
    private readonly string _root = TempDirectory.Create("kiln-screenshots");
    private readonly ProjectWorkspace _workspace;
    private readonly VersionScreenshots _screenshots;
    private readonly string _projectId = ProjectIds.New();

    public VersionScreenshotsTests()
    {
        _workspace = new ProjectWorkspace(Options.Create(new ProjectsOptions { ProjectsRoot = _root }));
        _screenshots = new VersionScreenshots(_workspace, NullLogger<VersionScreenshots>.Instance);
    }

    public void Dispose() => TempDirectory.Delete(_root);

    private static CheckedPage Page(string path, params string[] errors) =>
        new(path, 1280, errors, PageCheckedBy.Agent, DateTimeOffset.UtcNow, errors.Length == 0 ? Png : [.. Png, 9]);

    private Task SaveAsync(int version, CheckedPage page) => _screenshots.SaveAsync(_projectId, version, page, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_page_is_compared_with_the_last_earlier_version_it_rendered_in_and_kept_beside_the_app()
    {
        await SaveAsync(1, Page("/about"));
        await SaveAsync(2, Page("/about", "Uncaught Error: boom"));
        await SaveAsync(3, Page("/about", "Uncaught Error: boom"));
        await SaveAsync(3, Page("/"));

        var third = await _screenshots.ListAsync(_projectId, 3, TestContext.Current.CancellationToken);
        Assert.Equal(["/about", "/"], third.Select(page => page.Path));
        Assert.Equal(1, third[0].Before); // version 2 had it broken: not what it looked like working
        Assert.False(third[0].Rendered);
        Assert.Null(third[1].Before);
        Assert.Equal([.. Png, 9], await _screenshots.ReadAsync(_projectId, 3, "/about", TestContext.Current.CancellationToken));
        Assert.Null(await _screenshots.ReadAsync(_projectId, 3, "/contact", TestContext.Current.CancellationToken));
        Assert.Empty(await _screenshots.ListAsync(_projectId, 4, TestContext.Current.CancellationToken));

        // Beside the app, never in it: a version, a diff or a download never holds them.
        var directory = _workspace.ScreenshotsDirectory(_projectId, 3);
        Assert.StartsWith(_workspace.ProjectDirectory(_projectId) + "/screenshots/", directory, StringComparison.Ordinal);
        Assert.False(directory.StartsWith(_workspace.AppDirectory(_projectId), StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(directory, VersionScreenshots.FileNameOf("/about"))));
    }

    [Fact]
    public async Task The_latest_check_of_a_path_in_a_version_replaces_the_one_before_and_one_without_a_picture_removes_it()
    {
        await SaveAsync(1, Page("/", "Console error: not yet"));
        await SaveAsync(1, Page("/"));
        var page = Assert.Single(await _screenshots.ListAsync(_projectId, 1, TestContext.Current.CancellationToken));
        Assert.True(page is { Rendered: true, HasScreenshot: true }, page.ToString());

        await SaveAsync(1, Page("/") with { Errors = ["The page did not finish"], Screenshot = null });
        page = Assert.Single(await _screenshots.ListAsync(_projectId, 1, TestContext.Current.CancellationToken));
        Assert.False(page.HasScreenshot);
        Assert.Null(await _screenshots.ReadAsync(_projectId, 1, "/", TestContext.Current.CancellationToken));
        Assert.False(File.Exists(Path.Combine(_workspace.ScreenshotsDirectory(_projectId, 1), VersionScreenshots.FileNameOf("/"))));
    }

    [Fact]
    public async Task Every_path_that_ever_rendered_is_known_as_it_last_rendered_most_recent_first()
    {
        await SaveAsync(1, Page("/"));
        await SaveAsync(1, Page("/about"));
        await SaveAsync(2, Page("/"));
        await SaveAsync(2, Page("/about", "Uncaught Error: boom"));
        await SaveAsync(2, Page("/never", "HTTP 500"));
        await SaveAsync(3, Page("/later"));

        var known = await _screenshots.LastRenderedAsync(_projectId, 3, TestContext.Current.CancellationToken);
        Assert.Equal([("/", 2), ("/about", 1)], known.Select(page => (page.Path, page.Version)));
    }

    [Fact]
    public async Task A_version_keeps_at_most_its_limit_of_pages_and_a_damaged_index_loses_only_its_pictures()
    {
        for (var i = 0; i < VersionScreenshots.MaxPagesPerVersion; i++)
        {
            Assert.True(await _screenshots.SaveAsync(_projectId, 1, Page($"/{i}"), TestContext.Current.CancellationToken));
        }

        Assert.False(await _screenshots.SaveAsync(_projectId, 1, Page("/one-more"), TestContext.Current.CancellationToken));
        Assert.True(await _screenshots.SaveAsync(_projectId, 1, Page("/0", "Uncaught Error: later"), TestContext.Current.CancellationToken));
        Assert.Equal(VersionScreenshots.MaxPagesPerVersion, (await _screenshots.ListAsync(_projectId, 1, TestContext.Current.CancellationToken)).Count);

        await SaveAsync(2, Page("/"));
        await File.WriteAllTextAsync(Path.Combine(_workspace.ScreenshotsDirectory(_projectId, 1), "index.json"), "{ not json", TestContext.Current.CancellationToken);
        Assert.Empty(await _screenshots.ListAsync(_projectId, 1, TestContext.Current.CancellationToken));
        Assert.Single(await _screenshots.ListAsync(_projectId, 2, TestContext.Current.CancellationToken));
    }
}
