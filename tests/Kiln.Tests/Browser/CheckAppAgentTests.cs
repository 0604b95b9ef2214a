using Kiln.Sandbox;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Browser;

/// <summary>
/// A model sees its own app: a scripted Messages API model scaffolds react-ts, writes an App.tsx that throws while
/// rendering, starts the dev server and calls check_app; its next request holds a tool_result with the thrown error's
/// message and the screenshot as an image block. It fixes App.tsx, and the next check is clean. The same with both
/// runtimes: Kiln's own loop on the Anthropic SDK, and the real Claude Code CLI through its SDK MCP server.
/// Real Vite, real Chromium, real Kestrel.
/// </summary>
[Collection(KilnBrowser.Name)]
[Slow]
public sealed class CheckAppAgentTests(CheckAppAgentTests.TemplateCache cache) : IClassFixture<CheckAppAgentTests.TemplateCache>
{
    private static readonly TimeSpan GenerationTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A template cache and package store shared by the class: the first scaffold is cold, the second warm.</summary>
    public sealed class TemplateCache : IDisposable
    {
        public string Directory { get; } = TempDirectory.Create("kiln-check-app-cache");

        public void Dispose() => TempDirectory.Delete(Directory);
    }

    public const string ThrownMessage = "TaskList needs items, got undefined";

    /// <summary>
    /// Broken: the list reads its tasks from a prop nobody passes, and says so by throwing while rendering. Written
    /// whole over the scaffold's App.tsx, so it is more than half its size (the write guard refuses a much smaller file).
    /// </summary>
    public const string BrokenApp = """
        import { useState, type FormEvent } from 'react'
        import './App.css'

        type Task = { id: number; title: string; done: boolean }
        type Filter = 'all' | 'open' | 'done'

        function TaskList({ items, onToggle }: { items?: Task[]; onToggle: (id: number) => void }) {
          if (!items) {
            throw new Error('TaskList needs items, got undefined')
          }
          if (items.length === 0) {
            return <p className="empty">Nothing here yet: add a task above.</p>
          }
          return (
            <ul className="tasks">
              {items.map((task) => (
                <li key={task.id}>
                  <label>
                    <input type="checkbox" checked={task.done} onChange={() => onToggle(task.id)} />
                    {task.title}
                  </label>
                </li>
              ))}
            </ul>
          )
        }

        function App() {
          const [tasks, setTasks] = useState<Task[]>([
            { id: 1, title: 'Write the first task', done: false },
            { id: 2, title: 'Check the app in a browser', done: false },
          ])
          const [title, setTitle] = useState('')
          const [filter, setFilter] = useState<Filter>('all')

          const add = (event: FormEvent) => {
            event.preventDefault()
            if (title.trim() === '') return
            setTasks([...tasks, { id: Date.now(), title: title.trim(), done: false }])
            setTitle('')
          }
          const toggle = (id: number) => setTasks(tasks.map((t) => (t.id === id ? { ...t, done: !t.done } : t)))
          const shown = tasks.filter((task) => filter === 'all' || (filter === 'done') === task.done)
          const open = tasks.filter((task) => !task.done).length

          return (
            <main className="app">
              <h1>Tasks</h1>
              <form onSubmit={add}>
                <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="What needs doing?" aria-label="New task" />
                <button type="submit">Add</button>
              </form>
              <nav aria-label="Filter">
                {(['all', 'open', 'done'] as Filter[]).map((f) => (
                  <button key={f} aria-pressed={filter === f} onClick={() => setFilter(f)}>{f}</button>
                ))}
              </nav>
              <p className="summary">{open} of {tasks.length} still open ({shown.length} shown)</p>
              <TaskList onToggle={toggle} />
            </main>
          )
        }

        export default App
        """;

    /// <summary>Fixed: the list gets its tasks.</summary>
    public static readonly string FixedApp = BrokenApp.Replace("<TaskList onToggle={toggle} />", "<TaskList items={shown} onToggle={toggle} />", StringComparison.Ordinal);

    /// <summary>The steps the scripted model takes, one tool call a turn, then a summary.</summary>
    private static readonly (string Tool, object Input)[] Steps =
    [
        ("create_vite_app", new { template = "react-ts" }),
        ("install_dependencies", new { }),
        ("start_dev_server", new { }),
        ("write_file", new { path = "src/App.tsx", content = BrokenApp }),
        ("check_app", new { }),
        ("write_file", new { path = "src/App.tsx", content = FixedApp }),
        ("check_app", new { path = "/", width = 1280 }),
        ("check_app", new { path = "http://127.0.0.1:9/" }),
        ("check_app", new { path = "/", width = 390 }),
    ];

    private const int BrokenCheck = 4;
    private const int FixedCheck = 6;
    private const int ForeignCheck = 7;
    private const int PhoneCheck = 8;

    /// <summary>Takes the next step by how many tool results the conversation holds; tool names as the runtime offers them.</summary>
    private static ScriptedReply Script(ScriptedRequest request)
    {
        var done = request.ToolResults.Count;
        if (done >= Steps.Length)
        {
            return ScriptedReply.Text("The task list renders and the check is clean.");
        }

        var (tool, input) = Steps[done];
        return ScriptedReply.ToolUse(request.ToolNames.First(name => name == tool || name.EndsWith("__" + tool, StringComparison.Ordinal)), input);
    }

    [Fact]
    public async Task The_builtin_runtime_shows_the_model_the_thrown_error_and_the_screenshot_then_a_clean_check_after_the_fix()
    {
        var requests = await RunAsync(new Dictionary<string, string?> { ["Kiln:Agent:Runtime"] = "builtin" });

        // Three screenshots taken, the latest two kept: the oldest result says where its image was.
        var results = requests[^1].ToolResults;
        Assert.Empty(results[BrokenCheck].Images);
        Assert.Contains(ThrownMessage, results[BrokenCheck].Text, StringComparison.Ordinal);
        Assert.EndsWith(Kiln.Agents.ToolResultImages.RemovedNote, results[BrokenCheck].Text, StringComparison.Ordinal);
        Assert.Single(results[FixedCheck].Images);
        Assert.Equal((390, 800), BrowserHarness.PngSize(Convert.FromBase64String(Assert.Single(results[PhoneCheck].Images).Base64)));
    }

    [Fact]
    public Task The_claude_code_runtime_shows_the_model_the_thrown_error_and_the_screenshot_then_a_clean_check_after_the_fix() =>
        RunAsync(new Dictionary<string, string?>
        {
            ["Kiln:Agent:Runtime"] = "claude-code",
            ["Kiln:Agent:ClaudePath"] = Requires.ClaudeCli(),
        });

    /// <summary>Runs the script with a runtime, checks what the model was shown, and returns the requests it got.</summary>
    private async Task<IReadOnlyList<ScriptedRequest>> RunAsync(Dictionary<string, string?> runtime)
    {
        Requires.Chromium();
        Requires.Pnpm();
        await Requires.NpmRegistryAsync();
        await using var model = await ScriptedModelServer.StartAsync(Script);
        var settings = new Dictionary<string, string?>(runtime)
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
            ["Kiln:Agent:MaxTurns"] = "20",
            ["Kiln:Packages:CacheDirectory"] = cache.Directory,
        };
        await using var kiln = KilnApp.Start(settings);
        await kiln.Services.GetRequiredService<SandboxedProcessRunner>().RequireBubblewrapAsync();

        var projectId = await kiln.GenerateAsync("a task list");
        await kiln.WaitForStatusAsync(projectId, GenerationTimeout, "ready");

        var requests = model.ScriptedRequests;
        Assert.True(requests.Count > Steps.Length, $"The model was asked {requests.Count} times; the script has {Steps.Length} steps.");
        // Every step before the checks worked (a refused write would leave the scaffold's App.tsx in place).
        var last = requests[^1].ToolResults;
        Assert.All(last.Take(BrokenCheck), result => Assert.False(result.IsError, result.Text));
        Assert.False(last[FixedCheck - 1].IsError, last[FixedCheck - 1].Text);

        // The request right after the first check: its newest tool_result is the check, with the error and the image.
        var broken = Assert.Single(requests, r => r.ToolResults.Count == BrokenCheck + 1).ToolResults[^1];
        Assert.False(broken.IsError, broken.Text);
        Assert.Contains(ThrownMessage, broken.Text, StringComparison.Ordinal);
        Assert.Contains("Uncaught exceptions", broken.Text, StringComparison.Ordinal);
        // Where it was thrown, as a path of the app; React's own frames folded into one line.
        Assert.Matches(@"at TaskList \(/src/App\.tsx:\d+:\d+\)", broken.Text);
        Assert.Contains("more frames in node_modules", broken.Text, StringComparison.Ordinal);
        AssertScreenshot(Assert.Single(broken.Images));

        var fixedCheck = Assert.Single(requests, r => r.ToolResults.Count == FixedCheck + 1).ToolResults[^1];
        Assert.False(fixedCheck.IsError, fixedCheck.Text);
        Assert.Contains("No errors", fixedCheck.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(ThrownMessage, fixedCheck.Text, StringComparison.Ordinal);
        AssertScreenshot(Assert.Single(fixedCheck.Images));

        var foreign = Assert.Single(requests, r => r.ToolResults.Count == ForeignCheck + 1).ToolResults[^1];
        Assert.True(foreign.IsError, foreign.Text);
        Assert.Contains("opens only this app's own preview", foreign.Text, StringComparison.Ordinal);
        Assert.Empty(foreign.Images);

        await using var events = kiln.Events(projectId);
        var all = await events.ReadUntilAsync(TimeSpan.FromSeconds(30), "generation_completed");
        var checks = all.Where(e => e.GetProperty("type").GetString() == "app_checked").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(3, checks.Count);
        Assert.True(checks[0].GetProperty("errors").GetInt32() > 0, checks[0].ToString());
        Assert.Equal(0, checks[1].GetProperty("errors").GetInt32());
        Assert.All(checks, check => Assert.Equal(200, check.GetProperty("status").GetInt32()));
        return requests;
    }

    private static void AssertScreenshot(ScriptedImage image)
    {
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal((1280, 800), BrowserHarness.PngSize(Convert.FromBase64String(image.Base64)));
    }
}
