using Kiln.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Tools;

/// <summary>The file tools do what they say and answer mistakes with errors the model can act on.</summary>
public sealed class FileToolTests : IAsyncLifetime
{
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync() => _tools = await ToolHarness.StartAsync(new Dictionary<string, string?>
    {
        ["Kiln:Tools:MaxFileBytes"] = "1000",
        ["Kiln:Tools:MaxFiles"] = "5",
        ["Kiln:Tools:MaxReadBytes"] = "100",
    });

    public async ValueTask DisposeAsync() => await _tools.DisposeAsync();

    [Fact]
    public void The_tools_are_declared_once_with_described_parameters()
    {
        Assert.Equal(
            [
                "build_project", "check_app", "check_server_status", "create_directory", "create_next_app", "create_react_app", "create_vite_app",
                "delete_file", "edit_file", "generate_preview_url", "install_dependencies", "list_directory", "read_file",
                "run_command", "start_dev_server", "write_file",
            ],
            _tools.Tools.Select(t => t.Name).Order());
        foreach (var tool in _tools.Tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description));
            foreach (var parameter in tool.InputSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(parameter.Value.TryGetProperty("description", out _), $"{tool.Name}.{parameter.Name} has no description");
            }
        }

        var edit = _tools.Tools.Single(t => t.Name == "edit_file").InputSchema.GetProperty("properties");
        Assert.True(edit.TryGetProperty("old_string", out _));
        Assert.True(edit.TryGetProperty("new_string", out _));
    }

    [Fact]
    public async Task Write_read_edit_list_and_delete_emit_their_events()
    {
        Assert.False((await _tools.CallAsync("write_file", new { path = "src/app.js", content = "let a = 1;\nlet b = 2;\n" })).IsError);
        Assert.Equal("let a = 1;\nlet b = 2;\n", (await _tools.CallAsync("read_file", new { path = "src/app.js" })).Text);
        Assert.False((await _tools.CallAsync("edit_file", new { path = "src/app.js", old_string = "let b = 2;", new_string = "let b = 3;" })).IsError);
        Assert.Equal("let a = 1;\nlet b = 3;\n", await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "src", "app.js")));
        Assert.Contains("src/app.js", (await _tools.CallAsync("list_directory", new { })).Text, StringComparison.Ordinal);
        Assert.False((await _tools.CallAsync("delete_file", new { path = "src/app.js" })).IsError);
        Assert.False(File.Exists(Path.Combine(_tools.AppDirectory, "src", "app.js")));

        var events = await _tools.Services.GetRequiredService<IEventStore>().ReadAsync(_tools.ProjectId, 0, default).ToListAsync();
        Assert.Equal(
            ["file_created", "tool_executed", "tool_executed", "file_updated", "tool_executed", "tool_executed", "file_deleted", "tool_executed"],
            events.Select(e => e.Type));
        var executed = events.Where(e => e.Type == "tool_executed").Select(e => e.Data).ToList();
        Assert.All(executed, e => Assert.True(e.GetProperty("ok").GetBoolean()));
        Assert.Equal("write_file", executed[0].GetProperty("tool").GetString());
        Assert.Contains("path=src/app.js", executed[0].GetProperty("input").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_call_is_an_error_result_and_a_failed_tool_executed_event()
    {
        var (isError, text) = await _tools.CallAsync("read_file", new { path = "missing.js" });
        Assert.True(isError);
        Assert.Contains("does not exist", text, StringComparison.Ordinal);

        var events = await _tools.Services.GetRequiredService<IEventStore>().ReadAsync(_tools.ProjectId, 0, default).ToListAsync();
        var executed = Assert.Single(events, e => e.Type == "tool_executed").Data;
        Assert.False(executed.GetProperty("ok").GetBoolean());
        Assert.Contains("does not exist", executed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_needs_exactly_one_match()
    {
        await _tools.CallAsync("write_file", new { path = "a.txt", content = "x x" });
        Assert.Contains("occurs 2 times", (await _tools.CallAsync("edit_file", new { path = "a.txt", old_string = "x", new_string = "y" })).Text, StringComparison.Ordinal);
        Assert.Contains("not found", (await _tools.CallAsync("edit_file", new { path = "a.txt", old_string = "z", new_string = "y" })).Text, StringComparison.Ordinal);
        Assert.Equal("x x", await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "a.txt")));
    }

    [Fact]
    public async Task Size_and_count_limits_are_enforced_with_the_limit_named()
    {
        var (isError, text) = await _tools.CallAsync("write_file", new { path = "big.txt", content = new string('a', 1001) });
        Assert.True(isError);
        Assert.Contains("at most 1000", text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_tools.AppDirectory, "big.txt")));

        for (var i = 0; i < 5; i++)
        {
            Assert.False((await _tools.CallAsync("write_file", new { path = $"f{i}.txt", content = "x" })).IsError);
        }

        (isError, text) = await _tools.CallAsync("write_file", new { path = "one-too-many.txt", content = "x" });
        Assert.True(isError);
        Assert.Contains("5 files", text, StringComparison.Ordinal);
        // Replacing an existing file is still fine at the limit.
        Assert.False((await _tools.CallAsync("write_file", new { path = "f0.txt", content = "y" })).IsError);
    }

    [Fact]
    public async Task Long_and_binary_files_are_described_not_dumped()
    {
        await File.WriteAllTextAsync(Path.Combine(_tools.AppDirectory, "long.txt"), new string('a', 500));
        await File.WriteAllBytesAsync(Path.Combine(_tools.AppDirectory, "image.png"), [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 1]);

        Assert.Contains("first 100 of 500 bytes", (await _tools.CallAsync("read_file", new { path = "long.txt" })).Text, StringComparison.Ordinal);
        Assert.Contains("binary file (8 bytes)", (await _tools.CallAsync("read_file", new { path = "image.png" })).Text, StringComparison.Ordinal);
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Concurrent_writes_to_one_file_leave_one_whole_version()
    {
        var contents = Enumerable.Range(0, 20).Select(i => new string((char)('a' + i), 900)).ToList();
        var results = await Task.WhenAll(contents.Select(content => _tools.CallAsync("write_file", new { path = "race.txt", content })));

        Assert.All(results, r => Assert.False(r.IsError, r.Text));
        Assert.Contains(await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "race.txt")), contents);
        Assert.Single(Directory.GetFiles(_tools.AppDirectory));
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Delete_refuses_a_directory_with_files_and_the_app_root()
    {
        await _tools.CallAsync("write_file", new { path = "src/a.js", content = "1" });
        Assert.Contains("not empty", (await _tools.CallAsync("delete_file", new { path = "src" })).Text, StringComparison.Ordinal);
        Assert.True((await _tools.CallAsync("delete_file", new { path = "." })).IsError);
        Assert.True(File.Exists(Path.Combine(_tools.AppDirectory, "src", "a.js")));
    }
}
