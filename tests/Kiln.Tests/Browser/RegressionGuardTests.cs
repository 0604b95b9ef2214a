using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Events;
using Kiln.Sandbox;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Browser;

/// <summary>
/// The regression guard end to end: a scripted Messages API model on the built-in runtime scaffolds react-ts, writes a
/// home page and an about page, starts the dev server and checks both with check_app (version 1). The next prompt
/// breaks the about page (it throws while rendering) and does not check it (version 2): as that generation ends, Kiln
/// opens both pages again, finds /about broken, and says so with regression_found and an open error; both versions keep
/// a screenshot of /about. "Fix it" sends the error back, the model repairs the page, and the next re-check is clean.
/// Real Vite, real Chromium, real Kestrel.
/// </summary>
[Collection(KilnBrowser.Name)]
[Slow]
public sealed class RegressionGuardTests(CheckAppAgentTests.TemplateCache cache) : IClassFixture<CheckAppAgentTests.TemplateCache>
{
    private static readonly TimeSpan GenerationTimeout = TimeSpan.FromMinutes(5);

    private const string FirstPrompt = "a small site with a home page and an about page";
    private const string SecondPrompt = "on the about page, say we need five people";
    private const string FixPrompt = "Fix the errors the running app reports";

    public const string ThrownMessage = "The about page needs five team members";

    private const string AboutPage = """
        const team = ['Ada', 'Grace', 'Linus']

        export default function About() {
          const members = team
          return (
            <main className="about">
              <h1>About us</h1>
              <p>We are a small team that builds small, careful tools.</p>
              <ul>
                {members.map((name) => (
                  <li key={name}>{name}</li>
                ))}
              </ul>
            </main>
          )
        }
        """;

    private const string HomePage = """
        import About from './About'

        function Home() {
          return (
            <main className="home">
              <h1>Home</h1>
              <p>
                Welcome. Read <a href="/about">about us</a>.
              </p>
            </main>
          )
        }

        export default function App() {
          return window.location.pathname === '/about' ? <About /> : <Home />
        }
        """;

    private const string Working = "  const members = team\n";
    private const string Broken = "  const members = team\n  if (members.length < 5) throw new Error('" + ThrownMessage + "')\n";

    /// <summary>Each prompt's steps, one tool call a turn, then a summary; the phase is told by the prompt the conversation holds.</summary>
    private static readonly (string Marker, (string Tool, object Input)[] Steps, string Summary)[] Phases =
    [
        (FirstPrompt,
        [
            ("create_vite_app", new { template = "react-ts" }),
            ("install_dependencies", new { }),
            ("write_file", new { path = "src/About.tsx", content = AboutPage }),
            ("write_file", new { path = "src/App.tsx", content = HomePage }),
            ("start_dev_server", new { }),
            ("check_app", new { path = "/" }),
            ("check_app", new { path = "/about" }),
        ], "Both pages render."),
        (SecondPrompt,
        [
            ("edit_file", new { path = "src/About.tsx", old_string = Working, new_string = Broken }),
        ], "The about page now asks for five people."),
        (FixPrompt,
        [
            ("edit_file", new { path = "src/About.tsx", old_string = Broken, new_string = Working }),
        ], "The about page renders again."),
    ];

    private static ScriptedReply Script(ScriptedRequest request)
    {
        var messages = request.Messages.OfType<JsonObject>().ToList();
        // The latest prompt wins; a later phase wins a tie (a prompt's message may quote the ones before it).
        var (start, _, phase) = Phases
            .Select((p, index) => (Start: messages.FindLastIndex(m => Role(m) == "user" && Blocks(m).Any(b => Text(b).Contains(p.Marker, StringComparison.Ordinal))), Index: index, Phase: p))
            .MaxBy(found => (found.Start, found.Index));
        var done = messages.Skip(start + 1).Where(m => Role(m) == "user").SelectMany(Blocks).Count(b => Type(b) == "tool_result");
        if (done >= phase.Steps.Length)
        {
            return ScriptedReply.Text(phase.Summary);
        }

        var (tool, input) = phase.Steps[done];
        return ScriptedReply.ToolUse(request.ToolNames.First(name => name == tool || name.EndsWith("__" + tool, StringComparison.Ordinal)), input);
    }

    [Fact]
    public async Task A_page_the_first_prompt_checked_and_the_second_broke_is_a_regression_with_screenshots_of_both_versions_until_it_is_fixed()
    {
        Requires.Chromium();
        Requires.Pnpm();
        await Requires.NpmRegistryAsync();
        await using var model = await ScriptedModelServer.StartAsync(Script);
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
            ["Kiln:Agent:MaxTurns"] = "20",
            ["Kiln:Packages:CacheDirectory"] = cache.Directory,
        });
        await kiln.Services.GetRequiredService<SandboxedProcessRunner>().RequireBubblewrapAsync();
        using var client = kiln.Client();
        var cancellation = TestContext.Current.CancellationToken;

        // Version 1: both pages checked by the agent, both clean; nothing to compare them with yet.
        var projectId = await kiln.GenerateAsync(FirstPrompt, cancellationToken: cancellation);
        await kiln.WaitForStatusAsync(projectId, GenerationTimeout, "ready");
        var checks = model.ScriptedRequests[^1].ToolResults;
        Assert.All(checks, result => Assert.False(result.IsError, result.Text));
        Assert.Contains("No errors", checks[^1].Text, StringComparison.Ordinal);
        var first = await PagesAsync(client, projectId, 1);
        Assert.Equal(["/", "/about"], first.Select(page => page.GetProperty("path").GetString()));
        Assert.All(first, page =>
        {
            Assert.True(page.GetProperty("rendered").GetBoolean(), page.ToString());
            Assert.Equal("agent", page.GetProperty("checkedBy").GetString());
            Assert.Equal(JsonValueKind.Null, page.GetProperty("before").ValueKind);
        });
        Assert.Empty(await EventsAsync(kiln, projectId, "regression_found"));

        // Version 2 breaks /about without looking at it: Kiln looks, before the generation says it is done.
        await kiln.GenerateAsync(SecondPrompt, projectId, cancellation);
        var status = await kiln.WaitForStatusAsync(projectId, GenerationTimeout, "ready");
        Assert.False(status.TryGetProperty("error", out var failure) && failure.ValueKind != JsonValueKind.Null, status.ToString());
        var regression = Assert.Single(await EventsAsync(kiln, projectId, "regression_found"));
        var found = regression.Data;
        Assert.Equal("/about", found.GetProperty("path").GetString());
        Assert.Equal(2, found.GetProperty("version").GetInt32());
        Assert.Equal(1, found.GetProperty("renderedIn").GetInt32());
        Assert.Contains(found.GetProperty("errors").EnumerateArray(), error =>
            error.GetString()!.StartsWith("Uncaught Error: " + ThrownMessage, StringComparison.Ordinal) && error.GetString()!.Contains("/src/About.tsx", StringComparison.Ordinal));
        var completed = (await EventsAsync(kiln, projectId, "generation_completed"))[^1];
        Assert.True(regression.Seq < completed.Seq, "regression_found comes before the generation is reported done");

        // An open error of the app, as "Fix it" and auto-fix read them.
        var open = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/errors", cancellation);
        var error = Assert.Single(open.GetProperty("errors").EnumerateArray(), e => e.GetProperty("source").GetString() == "regression");
        Assert.Contains("/about rendered without errors in version 1", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(ThrownMessage, error.GetProperty("stack").GetString(), StringComparison.Ordinal);

        // Both versions keep a screenshot of /about: the page as it rendered, and as it fails.
        var before = await ScreenshotAsync(client, projectId, 1, "/about");
        var after = await ScreenshotAsync(client, projectId, 2, "/about");
        Assert.Equal((1280, 800), BrowserHarness.PngSize(before));
        Assert.Equal((1280, 800), BrowserHarness.PngSize(after));
        Assert.NotEqual(before, after);
        var second = await PagesAsync(client, projectId, 2);
        var about = Assert.Single(second, page => page.GetProperty("path").GetString() == "/about");
        Assert.False(about.GetProperty("rendered").GetBoolean());
        Assert.Equal("kiln", about.GetProperty("checkedBy").GetString());
        Assert.Equal(1, about.GetProperty("before").GetInt32());
        // The home page still works: re-checked, kept, and no event.
        var home = Assert.Single(second, page => page.GetProperty("path").GetString() == "/");
        Assert.True(home.GetProperty("rendered").GetBoolean(), home.ToString());
        Assert.Equal(1, home.GetProperty("before").GetInt32());
        Assert.Equal((1280, 800), BrowserHarness.PngSize(await ScreenshotAsync(client, projectId, 2, "/")));

        // A path never checked, and a version with no pictures of it, are 404 ProblemDetails.
        await AssertNoScreenshotAsync(client, projectId, 2, "/contact");
        await AssertNoScreenshotAsync(client, projectId, 1, "/never");

        // Fix it: the error goes back to the agent, which repairs the page; the next re-check is clean.
        using (var fix = await client.PostAsync($"/api/projects/{projectId}/fix", null, cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, fix.StatusCode);
        }

        await kiln.WaitForStatusAsync(projectId, GenerationTimeout, "ready");
        var fixPrompt = model.ScriptedRequests.SelectMany(r => r.UserTexts).Last(text => text.Contains(FixPrompt, StringComparison.Ordinal));
        Assert.Contains("[page that rendered before] The page /about rendered without errors in version 1", fixPrompt, StringComparison.Ordinal);
        Assert.Single(await EventsAsync(kiln, projectId, "regression_found"));
        open = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/errors", cancellation);
        Assert.DoesNotContain(open.GetProperty("errors").EnumerateArray(), e => e.GetProperty("source").GetString() == "regression");
        var third = await PagesAsync(client, projectId, 3);
        Assert.All(third, page => Assert.True(page.GetProperty("rendered").GetBoolean(), page.ToString()));
        Assert.Equal(1, Assert.Single(third, page => page.GetProperty("path").GetString() == "/about").GetProperty("before").GetInt32());
    }

    private static async Task<List<JsonElement>> PagesAsync(HttpClient client, string projectId, int version)
    {
        var pages = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions/{version}/screenshots", TestContext.Current.CancellationToken);
        return [.. pages.EnumerateArray()];
    }

    private static async Task<byte[]> ScreenshotAsync(HttpClient client, string projectId, int version, string path)
    {
        using var response = await client.GetAsync(
            $"/api/projects/{projectId}/versions/{version}/screenshot?path={Uri.EscapeDataString(path)}", TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} in version {version}: {(int)response.StatusCode}");
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
    }

    private static async Task AssertNoScreenshotAsync(HttpClient client, string projectId, int version, string path)
    {
        using var response = await client.GetAsync(
            $"/api/projects/{projectId}/versions/{version}/screenshot?path={Uri.EscapeDataString(path)}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains(path, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<List<ProjectEvent>> EventsAsync(KilnApp kiln, string projectId, string type) =>
        await kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, CancellationToken.None).Where(e => e.Type == type).ToListAsync();

    private static string? Role(JsonObject message) => message["role"]?.GetValue<string>();

    private static IEnumerable<JsonObject> Blocks(JsonObject message) => message["content"] switch
    {
        JsonArray blocks => blocks.OfType<JsonObject>(),
        JsonValue text => [new JsonObject { ["type"] = "text", ["text"] = text.GetValue<string>() }],
        _ => [],
    };

    private static string? Type(JsonObject block) => block["type"]?.GetValue<string>();

    private static string Text(JsonObject block) => Type(block) == "text" ? block["text"]?.GetValue<string>() ?? "" : "";
}
