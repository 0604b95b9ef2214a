using Kiln.Testing;
using Kiln.Tests.Sandbox;

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

    [Fact]
    public async Task A_file_this_run_wrote_may_be_rewritten_whole_but_the_next_run_protects_it()
    {
        var long_ = string.Concat(Enumerable.Range(1, 60).Select(i => $".item-{i} {{ color: red; }}\n"));
        Assert.False((await _tools.CallAsync("write_file", new { path = "styles.css", content = long_ })).IsError);

        // The agent's own draft of a minute ago is nobody else's work.
        var (isError, text) = await _tools.CallAsync("write_file", new { path = "styles.css", content = ".item-1 { color: blue; }\n" });
        Assert.False(isError, text);

        // What this run leaves is the person's app when the next prompt comes: a rewrite that drops most of it is refused.
        Assert.False((await _tools.CallAsync("write_file", new { path = "styles.css", content = long_ })).IsError);
        await _tools.NextRunAsync();
        (isError, text) = await _tools.CallAsync("write_file", new { path = "styles.css", content = ".item-1 { color: green; }\n" });
        Assert.True(isError, text);
        Assert.Contains("MaxShrinkRatio", text, StringComparison.Ordinal);
        Assert.Equal(long_, await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "styles.css")));
    }

    [Fact]
    public async Task A_small_edit_keeps_a_file_this_run_owns_rewritable_but_an_edit_of_earlier_work_does_not_free_it()
    {
        var long_ = string.Concat(Enumerable.Range(1, 60).Select(i => $".item-{i} {{ color: red; }}\n"));
        Assert.False((await _tools.CallAsync("write_file", new { path = "mine.css", content = long_ })).IsError);
        Assert.False((await _tools.CallAsync("edit_file", new { path = "mine.css", old_string = ".item-1 {", new_string = ".first {" })).IsError);
        Assert.False((await _tools.CallAsync("write_file", new { path = "mine.css", content = ".first { color: blue; }\n" })).IsError);

        _tools.Write("theirs.css", long_); // an earlier prompt's or the person's
        Assert.False((await _tools.CallAsync("edit_file", new { path = "theirs.css", old_string = ".item-1 {", new_string = ".first {" })).IsError);
        var (isError, text) = await _tools.CallAsync("write_file", new { path = "theirs.css", content = ".first { color: blue; }\n" });
        Assert.True(isError, text);
    }

    [Fact]
    [Slow]
    public async Task The_scaffolds_demo_app_may_be_replaced_by_a_small_one_until_someone_changes_it()
    {
        await _tools.Services.RequireBubblewrapAsync();
        Requires.Pnpm();
        await Requires.NpmRegistryAsync();
        var (isError, text) = await _tools.CallAsync("create_vite_app", new { template = "react-ts" });
        Assert.False(isError, text);
        var app = Path.Combine(_tools.AppDirectory, "src", "App.tsx");
        var demo = await File.ReadAllTextAsync(app);
        Assert.True(demo.Length > 1000, "The react-ts template's App.tsx is its demo page.");

        // The most natural first move of any model, in a later run than the scaffold even: the demo is nobody's work.
        await _tools.NextRunAsync();
        const string Small = "export default function App() {\n  return <h1>Pomodoro</h1>;\n}\n";
        (isError, text) = await _tools.CallAsync("write_file", new { path = "src/App.tsx", content = Small });
        Assert.False(isError, text);

        // A scaffolded file the person changed since is theirs.
        var css = Path.Combine(_tools.AppDirectory, "src", "index.css");
        var changed = await File.ReadAllTextAsync(css) + "\n/* mine */ body { margin: 0; }\n";
        _tools.Write("src/index.css", changed);
        (isError, text) = await _tools.CallAsync("write_file", new { path = "src/index.css", content = "body{}\n" });
        Assert.True(isError, text);
        Assert.Equal(changed, await File.ReadAllTextAsync(css));
    }
}
