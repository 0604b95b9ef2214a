namespace Kiln.Tests.Tools;

/// <summary>
/// write_file over an existing file refuses content that would lose work: placeholder comments standing in for
/// code, or a much shorter text written over the whole file. The file stays as it was and the model is told to
/// use edit_file.
/// </summary>
public sealed class WriteGuardTests : IAsyncLifetime
{
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync() => _tools = await ToolHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _tools.DisposeAsync();

    [Fact]
    public async Task A_rewrite_with_a_placeholder_is_refused_and_the_file_is_unchanged()
    {
        var original = string.Join('\n', Enumerable.Range(1, 40).Select(i => $"export function f{i}() {{ return {i}; }}"));
        _tools.Write("src/lib.js", original);

        var (isError, text) = await _tools.CallAsync("write_file", new
        {
            path = "src/lib.js",
            content = $"export function f1() {{ return 100; }}\n// ... rest of the code remains the same\n{string.Join('\n', Enumerable.Range(2, 39).Select(i => $"// f{i} stays"))}",
        });

        Assert.True(isError);
        Assert.Contains("edit_file", text, StringComparison.Ordinal);
        Assert.Contains("rest of the code remains the same", text, StringComparison.Ordinal);
        Assert.Contains("unchanged", text, StringComparison.Ordinal);
        Assert.Equal(original, await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "src", "lib.js")));
    }

    [Fact]
    public async Task A_placeholder_the_file_already_had_does_not_block_a_rewrite()
    {
        _tools.Write("notes.js", "// ...\nlet a = 1;\n");

        var (isError, text) = await _tools.CallAsync("write_file", new { path = "notes.js", content = "// ...\nlet a = 2;\n" });

        Assert.False(isError, text);
        Assert.Equal("// ...\nlet a = 2;\n", await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "notes.js")));
    }

    [Fact]
    public async Task A_new_file_may_hold_anything()
    {
        var (isError, text) = await _tools.CallAsync("write_file", new { path = "fresh.js", content = "// ... existing code ...\n" });

        Assert.False(isError, text);
    }

    [Fact]
    public async Task A_rewrite_that_shrinks_a_file_by_more_than_half_is_refused_and_the_file_is_unchanged()
    {
        var original = string.Concat(Enumerable.Range(1, 60).Select(i => $".item-{i} {{ color: red; }}\n"));
        _tools.Write("styles.css", original);

        var (isError, text) = await _tools.CallAsync("write_file", new { path = "styles.css", content = ".item-1 { color: blue; }\n" });

        Assert.True(isError);
        Assert.Contains("edit_file", text, StringComparison.Ordinal);
        Assert.Contains("MaxShrinkRatio", text, StringComparison.Ordinal);
        Assert.Equal(original, await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "styles.css")));

        // The way out the message names works: delete, then write.
        Assert.False((await _tools.CallAsync("delete_file", new { path = "styles.css" })).IsError);
        Assert.False((await _tools.CallAsync("write_file", new { path = "styles.css", content = ".item-1 { color: blue; }\n" })).IsError);
    }

    [Fact]
    public async Task A_rewrite_that_keeps_most_of_a_file_or_of_a_small_file_is_written()
    {
        var original = string.Concat(Enumerable.Range(1, 60).Select(i => $".item-{i} {{ color: red; }}\n"));
        _tools.Write("styles.css", original);
        _tools.Write("small.txt", "a short file that shrinks a lot");

        var kept = string.Concat(Enumerable.Range(1, 40).Select(i => $".item-{i} {{ color: red; }}\n"));
        Assert.False((await _tools.CallAsync("write_file", new { path = "styles.css", content = kept })).IsError);
        Assert.False((await _tools.CallAsync("write_file", new { path = "small.txt", content = "tiny" })).IsError);
        Assert.Equal("tiny", await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "small.txt")));
    }

    [Fact]
    public async Task The_shrink_guard_follows_its_setting()
    {
        await using var tools = await ToolHarness.StartAsync(new Dictionary<string, string?> { ["Kiln:Tools:MaxShrinkRatio"] = "1" });
        tools.Write("styles.css", string.Concat(Enumerable.Range(1, 60).Select(i => $".item-{i} {{ color: red; }}\n")));

        var (isError, text) = await tools.CallAsync("write_file", new { path = "styles.css", content = ".item-1 { color: blue; }\n" });

        Assert.False(isError, text);
    }
}
