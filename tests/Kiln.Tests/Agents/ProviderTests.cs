using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Testing;
using Kiln.Tests.Attachments;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Agents;

/// <summary>
/// The built-in loop on Microsoft.Extensions.AI's chat clients: an OpenAI-compatible endpoint and Ollama, each a scripted
/// server on loopback speaking its real protocol, with no Anthropic key. The app is built through Kiln's tools.
/// </summary>
public sealed class ProviderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Writes the page, then says it is done; a tool result in the request tells which step it is.</summary>
    private static ScriptedReply Build(int toolResults) => toolResults == 0
        ? ScriptedReply.Of(ScriptedContent.Text("Writing the page."), ScriptedContent.ToolUse("write_file", new { path = "index.html", content = "<h1>Built elsewhere</h1>" }))
            .WithUsage(1_000, 100)
        : ScriptedReply.Text("Built it.").WithUsage(1_500, 50);

    private static async Task<JsonElement> GenerateAsync(KilnApp kiln, string model, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        using var client = kiln.Client();
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "a page", model }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    private static async Task<JsonElement> ModelsAsync(KilnApp kiln)
    {
        using var client = kiln.Client();
        return await client.GetFromJsonAsync<JsonElement>("/api/models", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task An_openai_compatible_endpoint_builds_the_app_through_kiln_s_tools_and_is_listed()
    {
        await using var openAI = await ScriptedOpenAIServer.StartAsync(request => Build(ScriptedOpenAIServer.ToolResults(request)), "gpt-4.1-mini", "gpt-4o");
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-scripted-openai",
            ["OPENAI_BASE_URL"] = openAI.BaseUrl,
            ["Kiln:Agent:Runtime"] = "auto",
        });

        var models = await ModelsAsync(kiln);
        var listed = models.GetProperty("models").EnumerateArray().Single(model => model.GetProperty("id").GetString() == "openai/gpt-4.1-mini");
        Assert.True(listed.GetProperty("tools").GetBoolean());
        Assert.Contains(models.GetProperty("models").EnumerateArray(), model => model.GetProperty("id").GetString() == "kiln-offline");

        var projectId = (await GenerateAsync(kiln, "openai/gpt-4.1-mini")).GetProperty("projectId").GetString()!;
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        Assert.Equal("openai/gpt-4.1-mini", status.GetProperty("model").GetString());
        Assert.Equal(2_500, status.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        Assert.Equal(150, status.GetProperty("usage").GetProperty("outputTokens").GetInt64());
        // gpt-4.1-mini: $0.40 per million input tokens, $1.60 per million output tokens.
        Assert.Equal(0.00124m, status.GetProperty("costUsd").GetDecimal());
        Assert.Equal("<h1>Built elsewhere</h1>", await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html"), TestContext.Current.CancellationToken));

        var requests = openAI.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal("gpt-4.1-mini", requests[0]["model"]!.GetValue<string>());
        Assert.Contains("write_file", requests[0]["tools"]!.AsArray().Select(tool => tool!["function"]!["name"]!.GetValue<string>()));
        Assert.Equal("system", requests[0]["messages"]![0]!["role"]!.GetValue<string>());
        var result = requests[1]["messages"]!.AsArray().Single(message => message!["role"]!.GetValue<string>() == "tool")!;
        Assert.Contains("index.html", result["content"]!.ToJsonString(), StringComparison.Ordinal);

        await using (var events = kiln.Events(projectId))
        {
            var completed = (await events.ReadUntilAsync(Timeout, "generation_completed"))[^1].GetProperty("data");
            Assert.Equal("openai/gpt-4.1-mini", completed.GetProperty("model").GetString());
            Assert.Equal(0.00124m, completed.GetProperty("costUsd").GetDecimal());
        }

        // A follow-up that names no model keeps the project's.
        var followUp = await kiln.GenerateAsync("now a footer", projectId);
        Assert.Equal(projectId, followUp);
        Assert.Equal("openai/gpt-4.1-mini", (await kiln.WaitForStatusAsync(projectId, Timeout, "ready")).GetProperty("model").GetString());
        // The script answers a conversation that already holds a tool result with its summary: one request.
        Assert.Equal(3, openAI.Requests.Count);
        Assert.Equal("gpt-4.1-mini", openAI.Requests[2]["model"]!.GetValue<string>());
        Assert.Empty(kiln.Log.Errors);
    }

    [Fact]
    public async Task An_attached_image_reaches_a_model_that_sees_images_as_an_image_and_a_text_only_model_gets_a_note()
    {
        await using var openAI = await ScriptedOpenAIServer.StartAsync(_ => ScriptedReply.Text("Built it like the sketch."), "gpt-4o", "gpt-3.5-turbo");
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-scripted-openai",
            ["OPENAI_BASE_URL"] = openAI.BaseUrl,
        });

        // One message from the person, holding the prompt and the sketch, in each model's request.
        async Task<JsonArray> SendSketchAsync(string model)
        {
            using var form = AttachmentTests.Form("a page like this sketch", null, ("sketch.png", AttachmentTests.Png, "image/png"));
            form.Add(new StringContent(model), "model");
            using var client = kiln.Client();
            using var response = await client.PostAsync("/api/generate", form, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            await kiln.WaitForStatusAsync(body.GetProperty("projectId").GetString()!, Timeout, "ready");
            var request = openAI.Requests[^1];
            Assert.Equal(model[(model.IndexOf('/') + 1)..], request["model"]!.GetValue<string>());
            var user = Assert.Single(request["messages"]!.AsArray(), message => message!["role"]!.GetValue<string>() == "user")!;
            return user["content"]!.AsArray();
        }

        var seen = await SendSketchAsync("openai/gpt-4o");
        var image = Assert.Single(seen, part => part!["type"]!.GetValue<string>() == "image_url")!;
        Assert.Equal($"data:image/png;base64,{Convert.ToBase64String(AttachmentTests.Png)}", image["image_url"]!["url"]!.GetValue<string>());
        Assert.Contains(seen, part => part!["type"]!.GetValue<string>() == "text" && part["text"]!.GetValue<string>().Contains("a page like this sketch", StringComparison.Ordinal));

        var textOnly = await SendSketchAsync("openai/gpt-3.5-turbo");
        Assert.All(textOnly, part => Assert.Equal("text", part!["type"]!.GetValue<string>()));
        var texts = textOnly.Select(part => part!["text"]!.GetValue<string>()).ToList();
        Assert.Contains(texts, text => text.Contains("a page like this sketch", StringComparison.Ordinal));
        Assert.Contains(texts, text => text.Contains("takes text only", StringComparison.Ordinal));
        Assert.DoesNotContain(Convert.ToBase64String(AttachmentTests.Png), openAI.Requests[^1].ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_project_the_offline_model_built_goes_to_the_configured_model_once_there_is_one()
    {
        // First no model is configured: the offline model builds the app.
        var root = TempDirectory.Create("kiln-offline-then-model");
        string projectId;
        await using (var offline = KilnApp.Start(projectsRoot: root))
        {
            offline.KeepProjectsRoot = true;
            projectId = await offline.GenerateAsync("a page");
            Assert.Equal("kiln-offline", (await offline.WaitForStatusAsync(projectId, Timeout, "ready")).GetProperty("model").GetString());
        }

        // Then the person configures a provider, as the offline model's summary tells them to, and sends the prompt again.
        await using var openAI = await ScriptedOpenAIServer.StartAsync(request => Build(ScriptedOpenAIServer.ToolResults(request)), "gpt-4.1-mini");
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-scripted-openai",
            ["OPENAI_BASE_URL"] = openAI.BaseUrl,
            ["Kiln:Agent:Model"] = "openai/gpt-4.1-mini",
        }, root);
        await kiln.GenerateAsync("a page, built by a real model", projectId);

        Assert.Equal("openai/gpt-4.1-mini", (await kiln.WaitForStatusAsync(projectId, Timeout, "ready")).GetProperty("model").GetString());
        Assert.NotEmpty(openAI.Requests);
    }

    [Fact]
    public async Task Ollama_builds_the_app_through_kiln_s_tools_for_free_and_a_model_without_tools_is_refused()
    {
        await using var ollama = await ScriptedOllamaServer.StartAsync(
            request => Build(ScriptedOllamaServer.ToolResults(request)),
            new Dictionary<string, string[]> { ["qwen2.5-coder:7b"] = ["completion", "tools"], ["gemma:2b"] = ["completion"] });
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["OLLAMA_HOST"] = ollama.BaseUrl });

        var models = (await ModelsAsync(kiln)).GetProperty("models").EnumerateArray().ToList();
        Assert.True(models.Single(model => model.GetProperty("id").GetString() == "ollama/qwen2.5-coder:7b").GetProperty("tools").GetBoolean());
        Assert.False(models.Single(model => model.GetProperty("id").GetString() == "ollama/gemma:2b").GetProperty("tools").GetBoolean());

        var refused = await GenerateAsync(kiln, "ollama/gemma:2b", HttpStatusCode.BadRequest);
        Assert.Contains("cannot call tools", refused.GetProperty("errors").GetProperty("model")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(ollama.Requests);

        var projectId = (await GenerateAsync(kiln, "ollama/qwen2.5-coder:7b")).GetProperty("projectId").GetString()!;
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        Assert.Equal("ollama/qwen2.5-coder:7b", status.GetProperty("model").GetString());
        Assert.Equal(2_500, status.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        Assert.Equal(0m, status.GetProperty("costUsd").GetDecimal());
        Assert.Equal("<h1>Built elsewhere</h1>", await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html"), TestContext.Current.CancellationToken));
        Assert.Equal(2, ollama.Requests.Count);
        Assert.Equal("qwen2.5-coder:7b", ollama.Requests[0]["model"]!.GetValue<string>());
        Assert.Equal(1, ScriptedOllamaServer.ToolResults(ollama.Requests[1]));
    }

    [Fact]
    public async Task A_model_of_a_provider_with_no_key_or_no_name_is_refused_with_what_to_set()
    {
        await using var kiln = KilnApp.Start();

        var noKey = await GenerateAsync(kiln, "openai/gpt-4.1-mini", HttpStatusCode.BadRequest);
        Assert.Contains("OPENAI_API_KEY", noKey.GetProperty("errors").GetProperty("model")[0].GetString(), StringComparison.Ordinal);
        var unknown = await GenerateAsync(kiln, "nowhere/some-model", HttpStatusCode.BadRequest);
        Assert.Contains("GET /api/models", unknown.GetProperty("errors").GetProperty("model")[0].GetString(), StringComparison.Ordinal);

        var models = await ModelsAsync(kiln);
        Assert.Equal("kiln-offline", models.GetProperty("default").GetString());
    }
}
