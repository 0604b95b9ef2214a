using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Tools;

/// <summary>
/// Quotas under writers that do not stop, reached as the agent (or any MCP client) reaches them, in the real sandbox:
/// a command that fills the project is stopped while it runs and says why, a write past the quota is refused, the file
/// limit counts the app's files (not directories, not node_modules), and the cleanup never removes a project in use
/// nor small idle bystanders to make room for a writer.
/// </summary>
public sealed class QuotaTests
{
    private const long Megabyte = 1L << 20;

    /// <summary>Writes 1 MiB files into out/ as fast as it can, forever.</summary>
    private const string Writer = """
        const fs = require('fs');
        fs.mkdirSync('out', { recursive: true });
        const chunk = Buffer.alloc(1 << 20, 120);
        for (let i = 0; ; i++) fs.writeFileSync(`out/blob-${i}.bin`, chunk);
        """;

    /// <summary>Makes empty files in the directory its argument names, forever.</summary>
    private const string FileMaker = """
        const fs = require('fs');
        const dir = process.argv[2];
        const count = Number(process.argv[3] ?? Infinity);
        fs.mkdirSync(dir, { recursive: true });
        for (let i = 0; i < count; i++) {
          if (i % 10 === 0) fs.mkdirSync(`${dir}/d${i}`);
          fs.writeFileSync(`${dir}/d${i - i % 10}/f${i}.txt`, '');
        }
        // Given a count, it stays a while so the quota's watch has seen what it made, then ends by itself.
        setTimeout(() => {}, 2000);
        """;

    private static async Task<ToolHarness> StartAsync(Dictionary<string, string?> settings)
    {
        var tools = await ToolHarness.StartAsync(settings);
        await tools.Services.RequireBubblewrapAsync();
        Requires.Node();
        tools.Write("package.json", """{ "name": "app", "version": "1.0.0" }""");
        tools.Write("src/main.js", "console.log('the app');\n");
        return tools;
    }

    [Fact]
    public async Task A_command_that_fills_the_project_is_stopped_while_it_runs_and_the_result_says_why_and_how_to_free_space()
    {
        await using var tools = await StartAsync(new() { ["Kiln:Quotas:MaxProjectBytes"] = (16 * Megabyte).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tools.Write("writer.js", Writer);

        var result = await tools.CallForResultAsync("run_command", new { command = "node writer.js", timeout_seconds = 120 });
        var text = Kiln.Tools.ProjectToolset.TextOf(result);

        Assert.True(result.IsError, text);
        Assert.Contains("Killed: yes: the project holds", text, StringComparison.Ordinal);
        Assert.Contains("more than its disk quota of 16.0 MiB", text, StringComparison.Ordinal);
        Assert.Contains("delete_file", text, StringComparison.Ordinal);
        Assert.DoesNotContain(tools.ProjectsRoot, text, StringComparison.Ordinal);
        var outcome = result.StructuredContent!.Value;
        Assert.True(outcome.GetProperty("quotaExceeded").GetBoolean());
        Assert.True(outcome.GetProperty("killed").GetBoolean());
        Assert.False(outcome.GetProperty("timedOut").GetBoolean());
        // Stopped promptly: far from the 120 s it was allowed, and the writer's files stop growing.
        var written = Directory.GetFiles(Path.Combine(tools.AppDirectory, "out")).Length;
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal(written, Directory.GetFiles(Path.Combine(tools.AppDirectory, "out")).Length);
        Assert.InRange(written, 14, 400);
        // The project's own files are intact.
        Assert.Equal("console.log('the app');\n", await File.ReadAllTextAsync(Path.Combine(tools.AppDirectory, "src/main.js"), TestContext.Current.CancellationToken));
        tools.AssertOutsideUntouched();

        // Past the quota now, so a write that adds bytes is refused as a tool error; deleting makes room again.
        var (refused, why) = await tools.CallAsync("write_file", new { path = "src/more.js", content = "export const more = 1;\n" });
        Assert.True(refused, why);
        Assert.Contains("disk quota of 16.0 MiB", why, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(tools.AppDirectory, "src/more.js")));

        var (cleanFailed, cleaned) = await tools.CallAsync("run_command", new { command = "rm -r out" });
        Assert.False(cleanFailed, cleaned);
        var (failed, wrote) = await tools.CallAsync("write_file", new { path = "src/more.js", content = "export const more = 1;\n" });
        Assert.False(failed, wrote);
    }

    [Fact]
    public async Task A_write_file_past_the_quota_is_refused_and_the_file_is_unchanged()
    {
        await using var tools = await StartAsync(new() { ["Kiln:Quotas:MaxProjectBytes"] = (2 * Megabyte).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Directory.CreateDirectory(Path.Combine(tools.AppDirectory, "public"));
        await File.WriteAllBytesAsync(Path.Combine(tools.AppDirectory, "public/big.bin"), new byte[(int)(1.5 * Megabyte)], TestContext.Current.CancellationToken);

        var (isError, text) = await tools.CallAsync("write_file", new { path = "src/data.js", content = new string('x', 700_000) });

        Assert.True(isError, text);
        Assert.StartsWith("Refused: writing 'src/data.js' would take the project to", text, StringComparison.Ordinal);
        Assert.Contains("Kiln:Quotas:MaxProjectBytes", text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(tools.AppDirectory, "src/data.js")));
        Assert.DoesNotContain(await tools.EventsAsync(), e => e.Type == "file_created");

        // A small write still fits.
        var (small, wrote) = await tools.CallAsync("write_file", new { path = "src/data.js", content = "export const data = [];\n" });
        Assert.False(small, wrote);
    }

    [Fact]
    public async Task The_file_limit_counts_files_not_directories_and_holds_for_commands_but_not_for_node_modules()
    {
        await using var tools = await StartAsync(new() { ["Kiln:Tools:MaxFiles"] = "60" });
        tools.Write("make.js", FileMaker);
        // 40 directories and 50 files in all: under the limit of 60 files, though more than 60 entries.
        for (var i = 0; i < 40; i++)
        {
            Directory.CreateDirectory(Path.Combine(tools.AppDirectory, "empty", $"d{i}"));
        }

        for (var i = 0; i < 47; i++)
        {
            tools.Write($"src/f{i}.js", "");
        }

        var (underLimit, created) = await tools.CallAsync("write_file", new { path = "src/fits.js", content = "export {};\n" });
        Assert.False(underLimit, created);

        // A package manager or a cache fills node_modules and dot-directories with thousands of files: they do not count.
        foreach (var directory in new[] { "node_modules/pkg", ".cache/x" })
        {
            var (stopped, ran) = await tools.CallAsync("run_command", new { command = $"node make.js {directory} 1000", timeout_seconds = 120 });
            Assert.False(stopped, ran);
            Assert.Equal(1000, Directory.EnumerateFiles(Path.Combine(tools.AppDirectory, directory), "*", SearchOption.AllDirectories).Count());
        }

        // The app's own files do: a command that makes thousands is stopped past the limit.
        var (isError, text) = await tools.CallAsync("run_command", new { command = "node make.js src/generated", timeout_seconds = 60 });
        Assert.True(isError, text);
        Assert.Contains("files, more than its limit of 60", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ran past", text, StringComparison.Ordinal);
        Assert.InRange(Directory.EnumerateFiles(Path.Combine(tools.AppDirectory, "src/generated"), "*", SearchOption.AllDirectories).Count(), 1, 5000);

        var (refused, why) = await tools.CallAsync("write_file", new { path = "src/one-more.js", content = "export {};\n" });
        Assert.True(refused, why);
        Assert.Contains("Kiln:Tools:MaxFiles is 60", why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_writer_past_the_shared_disk_limit_is_stopped_and_small_idle_bystanders_survive_the_cleanup()
    {
        await using var tools = await StartAsync(new() { ["Kiln:Cleanup:MaxDiskBytes"] = (48 * Megabyte).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tools.Write("writer.js", Writer);
        // The writer's project is the least recently used, as the MCP client that drives it never visits it.
        await CreateRecordAsync(tools, tools.ProjectId, TimeSpan.FromDays(3));
        var bystanders = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var bystander = ProjectIds.New();
            var workspace = tools.Services.GetRequiredService<ProjectWorkspace>();
            workspace.Create(bystander);
            await File.WriteAllBytesAsync(Path.Combine(workspace.AppDirectory(bystander), "index.html"), new byte[(int)Megabyte], TestContext.Current.CancellationToken);
            await CreateRecordAsync(tools, bystander, TimeSpan.FromDays(1 + i));
            bystanders.Add(bystander);
        }

        var cleanup = tools.Services.GetRequiredService<ProjectCleanup>();
        Assert.Empty(await cleanup.RunOnceAsync(TestContext.Current.CancellationToken));

        var (isError, text) = await tools.CallAsync("run_command", new { command = "node writer.js", timeout_seconds = 120 });

        // Stopped at what the bystanders leave of the shared limit, not at the 2 GiB a project may hold alone.
        Assert.True(isError, text);
        Assert.Contains("more than its disk quota of 46.0 MiB", text, StringComparison.Ordinal);
        var removed = await cleanup.RunOnceAsync(TestContext.Current.CancellationToken);
        // The writer may have gone a few megabytes past before it was stopped: then it is the largest idle project and
        // goes alone; the bystanders stay either way.
        Assert.All(removed, r => Assert.Equal(tools.ProjectId, r.ProjectId));
        foreach (var bystander in bystanders)
        {
            Assert.NotNull(await tools.Services.GetRequiredService<IProjectStore>().GetAsync(bystander, TestContext.Current.CancellationToken));
            Assert.Equal(Megabyte, new FileInfo(Path.Combine(tools.ProjectsRoot, bystander, ProjectWorkspace.AppDirectoryName, "index.html")).Length);
        }
    }

    [Fact]
    public async Task A_project_with_a_tool_call_running_is_never_removed_and_the_largest_idle_project_goes_first()
    {
        await using var tools = await StartAsync(new() { ["Kiln:Cleanup:MaxDiskBytes"] = (4 * Megabyte).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        // The tools' project is the largest and over the limit alone; two small idle projects are older.
        await File.WriteAllBytesAsync(Path.Combine(tools.AppDirectory, "big.bin"), new byte[8 * Megabyte], TestContext.Current.CancellationToken);
        await CreateRecordAsync(tools, tools.ProjectId, TimeSpan.FromDays(1));
        var workspace = tools.Services.GetRequiredService<ProjectWorkspace>();
        var small = new List<string>();
        foreach (var (size, age) in new[] { (Megabyte, 3), (Megabyte / 2, 2) })
        {
            var projectId = ProjectIds.New();
            workspace.Create(projectId);
            await File.WriteAllBytesAsync(Path.Combine(workspace.AppDirectory(projectId), "index.html"), new byte[size], TestContext.Current.CancellationToken);
            await CreateRecordAsync(tools, projectId, TimeSpan.FromDays(age));
            small.Add(projectId);
        }

        tools.Write("wait.js", "require('fs').writeFileSync('started', ''); setTimeout(() => {}, 4000);\n");
        var cleanup = tools.Services.GetRequiredService<ProjectCleanup>();
        var call = tools.CallAsync("run_command", new { command = "node wait.js", timeout_seconds = 60 });
        while (!File.Exists(Path.Combine(tools.AppDirectory, "started")))
        {
            Assert.False(call.IsCompleted, "the command ended before it was seen running");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        // While its call runs, the largest project is in use and stays; the idle ones go, the larger first, and with
        // both gone the limit is still not met.
        var duringCall = await cleanup.RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(small, duringCall.Select(r => r.ProjectId));
        Assert.True(Directory.Exists(tools.AppDirectory));
        var (isError, text) = await call;
        Assert.False(isError, text);

        // Idle now, and the largest: the next pass removes it.
        var after = await cleanup.RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal([tools.ProjectId], after.Select(r => r.ProjectId));
        Assert.Contains("largest idle", after[0].Reason, StringComparison.Ordinal);
    }

    private static async Task CreateRecordAsync(ToolHarness tools, string projectId, TimeSpan age)
    {
        var at = DateTimeOffset.UtcNow - age;
        await tools.Services.GetRequiredService<IProjectStore>().CreateAsync(new Project
        {
            Id = projectId,
            Status = ProjectStatus.Ready,
            Prompts = [new ProjectPrompt("made for a quota test", at)],
            CreatedAt = at,
            UpdatedAt = at,
            Runtime = "builtin",
            Model = "none",
        }, CancellationToken.None);
    }
}
