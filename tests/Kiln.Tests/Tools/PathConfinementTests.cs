namespace Kiln.Tests.Tools;

/// <summary>Every file tool stays inside the app directory, however the path is written.</summary>
public sealed class PathConfinementTests : IAsyncLifetime
{
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync() => _tools = await ToolHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _tools.DisposeAsync();

    public static TheoryData<string> EscapingPaths =>
    [
        "../outside/secret.txt",
        "../../outside/secret.txt",
        "src/../../outside/secret.txt",
        "./../outside/secret.txt",
        "/etc/passwd",
        "/tmp/kiln-escape.txt",
        "~/kiln-escape.txt",
        "..\\outside\\secret.txt",
        "src/..",
        "a/b/../../../outside/secret.txt",
        "file\u0000.txt",
        "line\nbreak.txt",
    ];

    [Theory]
    [MemberData(nameof(EscapingPaths))]
    public async Task Every_file_tool_refuses_a_path_that_leaves_the_app(string path)
    {
        foreach (var (tool, arguments) in Calls(path))
        {
            var (isError, text) = await _tools.CallAsync(tool, arguments);
            Assert.True(isError, $"{tool} accepted '{path}': {text}");
            Assert.Contains("Refused path", text, StringComparison.Ordinal);
        }

        _tools.AssertOutsideUntouched();
        Assert.False(File.Exists("/tmp/kiln-escape.txt"));
    }

    [Fact]
    public async Task A_symlink_planted_in_the_app_cannot_lead_outside()
    {
        Directory.CreateSymbolicLink(Path.Combine(_tools.AppDirectory, "linked"), _tools.Outside);
        File.CreateSymbolicLink(Path.Combine(_tools.AppDirectory, "secret-link.txt"), Path.Combine(_tools.Outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_tools.AppDirectory, "dangling.txt"), Path.Combine(_tools.Outside, "created-through-link.txt"));

        foreach (var path in new[] { "linked/secret.txt", "linked/new.txt", "secret-link.txt", "dangling.txt", "linked" })
        {
            foreach (var (tool, arguments) in Calls(path))
            {
                var (isError, text) = await _tools.CallAsync(tool, arguments);
                Assert.True(isError, $"{tool} went through the link '{path}': {text}");
                Assert.Contains("symbolic link", text, StringComparison.Ordinal);
            }
        }

        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_symlink_that_stays_inside_the_app_is_followed()
    {
        Directory.CreateDirectory(Path.Combine(_tools.AppDirectory, "src"));
        await File.WriteAllTextAsync(Path.Combine(_tools.AppDirectory, "src", "a.txt"), "inside");
        Directory.CreateSymbolicLink(Path.Combine(_tools.AppDirectory, "alias"), Path.Combine(_tools.AppDirectory, "src"));

        var (isError, text) = await _tools.CallAsync("read_file", new { path = "alias/a.txt" });
        Assert.False(isError, text);
        Assert.Equal("inside", text);
    }

    [Fact]
    public async Task Writing_over_a_hard_link_replaces_the_file_instead_of_writing_through_it()
    {
        var secret = Path.Combine(_tools.Outside, "secret.txt");
        var link = Path.Combine(_tools.AppDirectory, "hard.txt");
        Assert.Equal(0, Link(secret, link));

        var (isError, text) = await _tools.CallAsync("write_file", new { path = "hard.txt", content = "overwritten" });

        Assert.False(isError, text);
        Assert.Equal("overwritten", await File.ReadAllTextAsync(link));
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Literal_percent_encoded_dots_stay_inside_as_a_name()
    {
        var (isError, text) = await _tools.CallAsync("write_file", new { path = "%2e%2e/x.txt", content = "x" });
        Assert.False(isError, text);
        Assert.True(File.Exists(Path.Combine(_tools.AppDirectory, "%2e%2e", "x.txt")));
        _tools.AssertOutsideUntouched();
    }

    private static IEnumerable<(string Tool, object Arguments)> Calls(string path) =>
    [
        ("write_file", new { path, content = "pwned" }),
        ("read_file", new { path }),
        ("edit_file", new { path, old_string = "TOP", new_string = "NOT" }),
        ("list_directory", new { path }),
        ("create_directory", new { path }),
        ("delete_file", new { path }),
    ];

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "link")]
    private static extern int Link(string existing, string created);
}
