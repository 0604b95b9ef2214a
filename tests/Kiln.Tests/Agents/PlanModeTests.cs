using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Agents;

/// <summary>
/// POST /api/generate with "mode": "plan": the agent gets only the tools that read, answers with a plan, and the app,
/// its files and its versions stay exactly as they were.
/// </summary>
public sealed class PlanModeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The tools declared ReadOnly, which are all a plan may use.</summary>
    private static readonly string[] ReadingTools = ["check_app", "check_server_status", "generate_preview_url", "list_directory", "read_file"];

    [Fact]
    public async Task A_plan_prompt_offers_the_builtin_loop_only_tools_that_read_changes_no_file_and_makes_no_version()
    {
        Requires.Git();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>One</h1>" }),
            ScriptedReply.EndTurn,
            // In plan mode the model reads, then tries to write anyway: the tool is not there to call.
            ScriptedReply.ToolUse("read_file", new { path = "index.html" }),
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Changed</h1>" }),
            ScriptedReply.Text("Plan: 1. Add a header to index.html. 2. Style it."));
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-scripted",
        });
        var projectId = await kiln.GenerateAsync("a page that says one");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        var before = Snapshot(app);
        using var client = kiln.Client();
        var versionsBefore = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).GetArrayLength();
        Assert.Contains("write_file", model.ScriptedRequests[0].ToolNames);

        using (var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "how would you add a header?", projectId, mode = "plan" }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        var planRequests = model.ScriptedRequests.Skip(2).ToList();
        Assert.Equal(3, planRequests.Count);
        foreach (var request in planRequests)
        {
            Assert.Equal(ReadingTools, request.ToolNames.Order(StringComparer.Ordinal));
        }

        Assert.Contains("# Plan mode", planRequests[0].UserTexts[^2], StringComparison.Ordinal);
        var refused = planRequests[2].ToolResults[^1];
        Assert.True(refused.IsError);
        Assert.Contains("write_file", refused.Text, StringComparison.Ordinal);

        // Nothing changed: the files, byte for byte, and the versions.
        Assert.Equal(before, Snapshot(app));
        Assert.Equal(versionsBefore, (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).GetArrayLength());

        // The prompt's record and its generation say it was a plan; the answer is the plan.
        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}", cancellationToken);
        var prompts = project.GetProperty("prompts").EnumerateArray().ToList();
        Assert.Equal(["build", "plan"], prompts.Select(p => p.GetProperty("mode").GetString()));
    }

    [Fact]
    public async Task The_offline_model_answers_a_plan_prompt_with_a_deterministic_plan_and_no_tool_call()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var kiln = KilnApp.Start();
        using var client = kiln.Client();

        async Task<(string ProjectId, string Plan)> PlanAsync()
        {
            // The multipart form takes the mode too.
            using var form = new MultipartFormDataContent { { new StringContent("a todo list for my groceries"), "prompt" }, { new StringContent("plan"), "mode" } };
            using var response = await client.PostAsync("/api/generate", form, cancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var projectId = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("projectId").GetString()!;
            await using var events = kiln.Events(projectId);
            var read = await events.ReadUntilAsync(Timeout, "generation_completed");
            Assert.Equal("plan", read.Single(e => e.GetProperty("type").GetString() == "generation_started").GetProperty("data").GetProperty("mode").GetString());
            Assert.DoesNotContain(read, e => e.GetProperty("type").GetString() is "tool_executed" or "file_created" or "version_created");
            return (projectId, read[^1].GetProperty("data").GetProperty("summary").GetString()!);
        }

        var (first, plan) = await PlanAsync();
        Assert.StartsWith("Here is my plan for \"a todo list for my groceries\"", plan, StringComparison.Ordinal);
        Assert.Contains("1. Write ", plan, StringComparison.Ordinal);
        // No file of the app (the .git Kiln keeps beside them is not one).
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/api/projects/{first}/files", cancellationToken)).EnumerateArray());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/api/projects/{first}/versions", cancellationToken)).EnumerateArray());

        var (_, again) = await PlanAsync();
        Assert.Equal(plan, again);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("multipart/form-data")]
    public async Task An_unknown_mode_is_a_validation_problem_naming_the_modes(string contentType)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var kiln = KilnApp.Start();
        using var client = kiln.Client();
        using HttpContent body = contentType == "application/json"
            ? JsonContent.Create(new { prompt = "a page", mode = "dream" })
            : new MultipartFormDataContent { { new StringContent("a page"), "prompt" }, { new StringContent("dream"), "mode" } };
        using var response = await client.PostAsync("/api/generate", body, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var error = problem.GetProperty("errors").GetProperty("mode")[0].GetString();
        Assert.Contains("\"plan\"", error, StringComparison.Ordinal);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/projects", cancellationToken)).EnumerateArray());
    }

    private static Dictionary<string, string> Snapshot(string app) =>
        Directory.EnumerateFiles(app, "*", SearchOption.AllDirectories)
            .Where(path => !path.Contains("/.git/", StringComparison.Ordinal))
            .ToDictionary(path => Path.GetRelativePath(app, path), path => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))));
}
