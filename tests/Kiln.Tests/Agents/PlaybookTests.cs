using System.Text.RegularExpressions;
using Kiln.Agents;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Agents;

/// <summary>
/// The playbook every model is told: it names only tools that exist and commands the sandbox allows, and each runtime
/// sends it with a briefing of the app as the prompt found it.
/// </summary>
public sealed partial class PlaybookTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync() => _model = await ScriptedModelServer.StartAsync();

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    /// <summary>Every `code span` of the playbook.</summary>
    private static IEnumerable<string> CodeSpans() =>
        CodeSpan().Matches(Playbook.Instructions).Select(match => match.Groups[1].Value);

    [Fact]
    public async Task Every_tool_the_playbook_names_is_one_of_kilns_tools()
    {
        await using var kiln = KilnApp.Start();
        var tools = kiln.Services.GetRequiredService<ProjectToolset>().CreateServerOptions(ProjectIds.New()).ToolCollection!
            .Select(tool => tool.ProtocolTool.Name)
            .ToHashSet(StringComparer.Ordinal);

        // A tool name is a lower-case identifier with an underscore; the playbook writes each one as code.
        var named = CodeSpans().Where(span => ToolName().IsMatch(span)).Distinct().ToList();

        Assert.Contains("check_app", named);
        Assert.Contains("create_vite_app", named);
        Assert.All(named, name => Assert.True(tools.Contains(name), $"The playbook names `{name}`, which is not one of Kiln's tools: {string.Join(", ", tools)}"));
    }

    [Fact]
    public void Every_command_the_playbook_suggests_passes_the_command_policy()
    {
        var options = new SandboxOptions();
        var policy = new CommandPolicy(Options.Create(options));
        var app = Directory.CreateTempSubdirectory("kiln-playbook-").FullName;
        try
        {
            // A command is a code span that starts with a program the sandbox knows.
            var commands = CodeSpans()
                .Select(span => span.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(argv => argv.Length > 1 && options.Programs.ContainsKey(argv[0]))
                .ToList();

            Assert.True(commands.Count >= 2, "The playbook should suggest the commands worth running (a type check, a look around).");
            Assert.All(commands, argv =>
            {
                var decision = policy.Evaluate(argv, app, app);
                Assert.True(decision.Allowed, $"The playbook suggests `{string.Join(' ', argv)}`, which the command policy refuses: {decision.Reason}");
            });
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    [Fact]
    public void The_playbook_sets_the_default_stack_the_workflow_and_the_rules_against_lost_work()
    {
        var text = Playbook.Instructions;
        foreach (var expected in (string[])["react-ts", "@tailwindcss/vite", "lucide-react", "react-router", "zustand", "localStorage",
                     "create_next_app", "start_dev_server", "check_app", "edit_file", "360 px", "Never elide"])
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("builtin")]
    [InlineData("claude-code")]
    public async Task Each_runtime_sends_the_playbook_and_a_briefing_of_the_app_as_the_prompt_found_it(string runtime)
    {
        var cli = runtime == "claude-code" ? Requires.ClaudeCli() : null;
        string Tool(string name) => cli is null ? name : $"mcp__kiln__{name}";
        _model.Enqueue(
            ScriptedReply.ToolUse(Tool("write_file"), new { path = "package.json", content = """{"name":"app","scripts":{"dev":"vite"},"dependencies":{"react":"^19.0.0"}}""" }),
            ScriptedReply.ToolUse(Tool("write_file"), new { path = "src/App.tsx", content = "export default function App() { return <h1>Hi</h1>; }\n" }),
            ScriptedReply.Text("Built it."),
            ScriptedReply.Text("Changed it."));
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = _model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
            ["Kiln:Agent:Runtime"] = runtime,
            ["Kiln:Agent:ClaudePath"] = cli,
        });

        var projectId = await kiln.GenerateAsync("a greeting");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("make it wave", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var requests = _model.ScriptedRequests;
        var first = requests[0];
        var followUp = requests.First(request => request.LastUserText == "make it wave");
        // The playbook is the system prompt, the same for every prompt (so a provider's cache holds it)...
        Assert.Contains(Playbook.Instructions, first.System, StringComparison.Ordinal);
        Assert.Contains(Playbook.Instructions, followUp.System, StringComparison.Ordinal);
        Assert.Equal(first.System.Length, followUp.System.Length);
        if (cli is not null)
        {
            // ...appended: Claude Code's own instructions still come first.
            Assert.True(followUp.System.IndexOf(Playbook.Instructions, StringComparison.Ordinal) > 0, "The playbook should follow Claude Code's own system prompt.");
        }

        // ...and each prompt comes with a briefing of the app as that prompt found it, just before the person's words.
        Assert.Contains("The app directory is empty", Briefing(first, "a greeting"), StringComparison.Ordinal);
        var briefing = Briefing(followUp, "make it wave");
        Assert.Contains("- src/App.tsx", briefing, StringComparison.Ordinal);
        Assert.Contains("dependencies: react ^19.0.0", briefing, StringComparison.Ordinal);
        Assert.Contains("dependencies are not installed yet", briefing, StringComparison.Ordinal);
        Assert.Contains("the dev server is stopped", briefing, StringComparison.Ordinal);
        Assert.DoesNotContain("The app directory is empty", briefing, StringComparison.Ordinal);
    }

    /// <summary>The "# The app now" text block right before the person's <paramref name="prompt"/> in the last user message.</summary>
    private static string Briefing(ScriptedRequest request, string prompt)
    {
        var texts = request.UserTexts;
        var at = texts.ToList().LastIndexOf(prompt);
        Assert.True(at > 0, $"'{prompt}' should follow a briefing: {string.Join(" | ", texts)}");
        Assert.StartsWith("<system-reminder>\n# The app now", texts[at - 1], StringComparison.Ordinal);
        return texts[at - 1];
    }

    [GeneratedRegex("`([^`\n]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex("^[a-z]+(_[a-z]+)+$")]
    private static partial Regex ToolName();
}
