using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Attachments;

/// <summary>
/// Files sent with a prompt (POST /api/generate as multipart/form-data): images reach the model as image blocks on
/// both runtimes, text files land in the app's public/uploads/ and are named in the prompt, and a refused upload
/// leaves nothing behind.
/// </summary>
public sealed class AttachmentTests : IAsyncLifetime
{
    // The real CLI makes the claude-code rows slow; the built-in loop's are quick.
    public static IEnumerable<TheoryDataRow<string>> Runtimes => [new("builtin"), new TheoryDataRow<string>("claude-code").Slow()];

    /// <summary>A valid 1×1 PNG.</summary>
    public static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync() => _model = await ScriptedModelServer.StartAsync();

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    private KilnApp StartKiln(string runtime, params (string Key, string Value)[] settings)
    {
        if (runtime == "claude-code")
        {
            Requires.ClaudeCli();
        }

        var all = new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = _model.BaseUrl,
            ["Kiln:Agent:Runtime"] = runtime,
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return KilnApp.Start(all);
    }

    public static MultipartFormDataContent Form(string prompt, string? projectId, params (string Name, byte[] Bytes, string ContentType)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(prompt), "prompt" } };
        if (projectId is not null)
        {
            form.Add(new StringContent(projectId), "projectId");
        }

        foreach (var (name, bytes, contentType) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(content, "files", name);
        }

        return form;
    }

    private static async Task<string> PostAsync(KilnApp kiln, MultipartFormDataContent form)
    {
        using var client = kiln.Client();
        using var response = await client.PostAsync("/api/generate", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/generate answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("projectId").GetString()!;
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task An_image_reaches_the_model_as_an_image_and_a_text_file_lands_in_uploads_named_in_the_prompt(string runtime)
    {
        _model.Enqueue(ScriptedReply.Text("Built it like the sketch."));
        await using var kiln = StartKiln(runtime);
        var notes = "# Menu\n- croissant: 2.50\n- baguette: 1.90\n"u8.ToArray();

        var projectId = await PostAsync(kiln, Form("a page like this sketch, with the menu", null,
            ("sketch.png", Png, "image/png"), ("my notes/menu.md", notes, "text/markdown")));
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var request = Assert.Single(_model.ScriptedRequests);
        var image = Assert.Single(request.UserImages);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal(Png, Convert.FromBase64String(image.Base64));
        Assert.Contains(request.UserTexts, text => text.TrimEnd() == "a page like this sketch, with the menu");
        var note = Assert.Single(request.UserTexts, text => text.StartsWith("<attachments>", StringComparison.Ordinal));
        Assert.Contains("public/uploads/menu.md", note, StringComparison.Ordinal);
        Assert.Contains("sketch.png", note, StringComparison.Ordinal);

        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        Assert.Equal(notes, await File.ReadAllBytesAsync(Path.Combine(app, "public", "uploads", "menu.md")));
        Assert.False(File.Exists(Path.Combine(app, "public", "uploads", "sketch.png")));

        await using var events = kiln.Events(projectId);
        var received = await events.ReadUntilAsync(Timeout, "generation_completed");
        var attached = received.Single(e => e.GetProperty("type").GetString() == "attachments_received").GetProperty("data");
        Assert.Equal(1, attached.GetProperty("promptNumber").GetInt32());
        Assert.Equal(["sketch.png", "menu.md"], attached.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.Equal([Png.Length, notes.Length], attached.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("size").GetInt32()));
        Assert.Equal(["image", "text"], attached.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("kind").GetString()));
        Assert.Contains(received, e => e.GetProperty("type").GetString() == "file_created"
            && e.GetProperty("data").GetProperty("path").GetString() == "public/uploads/menu.md");

        using var client = kiln.Client();
        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}");
        var files = project.GetProperty("prompts")[0].GetProperty("attachments");
        Assert.Equal("public/uploads/menu.md", files[1].GetProperty("appPath").GetString());
    }

    [Fact]
    public async Task A_queued_generation_keeps_its_attachments_and_a_follow_up_still_shows_the_earlier_image()
    {
        _model.Enqueue(ScriptedReply.Hanging, ScriptedReply.Text("Second done."), ScriptedReply.Text("Follow-up done."));
        await using var kiln = StartKiln("builtin", ("Kiln:Agent:MaxConcurrentGenerations", "1"));
        var first = await kiln.GenerateAsync("first");
        await _model.WaitForRequestAsync(r => r.UserTexts.Contains("first"), new CancellationTokenSource(Timeout).Token);

        var second = await PostAsync(kiln, Form("like this picture", null, ("photo.png", Png, "image/png")));
        Assert.Equal("queued", (await kiln.StatusAsync(second)).GetProperty("status").GetString());
        using (var client = kiln.Client())
        {
            using var cancel = await client.PostAsync($"/api/projects/{first}/cancel", null);
        }

        await kiln.WaitForStatusAsync(second, Timeout, "ready");
        Assert.Equal(Png, Convert.FromBase64String(Assert.Single(_model.ScriptedRequests[^1].UserImages).Base64));

        await kiln.GenerateAsync("now make it blue", second);
        await kiln.WaitForStatusAsync(second, Timeout, "ready");
        var followUp = _model.ScriptedRequests[^1];
        Assert.Single(followUp.UserImages);
        Assert.Equal("now make it blue", followUp.LastUserText);
    }

    [Fact]
    public async Task The_offline_model_builds_an_app_from_a_prompt_with_an_image()
    {
        await using var kiln = KilnApp.Start();

        var projectId = await PostAsync(kiln, Form("a todo list for my groceries", null, ("mockup.png", Png, "image/png")));

        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        Assert.True(File.Exists(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html")));
    }

    public static TheoryData<string, string, byte[], int, string> Refused => new()
    {
        // case, file name, content, status, words the problem's detail must have
        { "a .png that is really text", "logo.png", "I am not a picture"u8.ToArray(), 415, "not a PNG, JPEG, GIF or WebP" },
        { "an executable", "setup.exe", [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0], 415, "not a kind of file Kiln accepts" },
        { "a text file that is not UTF-8", "notes.txt", [0x66, 0x6f, 0xff, 0xfe, 0x6f], 415, "not UTF-8 text" },
        { "an image named as text", "readme.md", Png, 415, "not UTF-8 text" },
        { "a file over the size limit", "big.txt", Encoding.UTF8.GetBytes(new string('a', 5000)), 413, "Kiln:Attachments:MaxFileBytes" },
        { "an empty file", "empty.txt", [], 400, "no content" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_refused_upload_is_a_problem_and_stores_nothing(string name, string fileName, byte[] bytes, int status, string detail)
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Attachments:MaxFileBytes"] = "4096" });
        var existing = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();

        foreach (var projectId in new[] { null, existing })
        {
            // A good file before the bad one: it is not kept either.
            using var form = Form("a page", projectId, ("ok.txt", "fine"u8.ToArray(), "text/plain"), (fileName, bytes, "image/png"));
            using var response = await client.PostAsync("/api/generate", form);

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var projects = await client.GetFromJsonAsync<JsonElement>("/api/projects");
        var only = Assert.Single(projects.EnumerateArray());
        Assert.Equal(existing, only.GetProperty("projectId").GetString());
        Assert.Equal(1, only.GetProperty("promptCount").GetInt32());
        Assert.Equal([existing], Directory.GetDirectories(kiln.ProjectsRoot).Select(Path.GetFileName).Where(d => !d!.StartsWith('.')));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(kiln.ProjectsRoot, existing, "generated-app")));
        Assert.False(Directory.Exists(Path.Combine(kiln.ProjectsRoot, existing, "attachments")));
        Assert.Empty(kiln.Log.Errors);
    }

    [Fact]
    public async Task Too_many_files_a_bad_field_or_another_origin_are_refused_with_problems()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Attachments:MaxFiles"] = "2" });
        using var client = kiln.Client();

        using (var tooMany = Form("a page", null, ("a.txt", "a"u8.ToArray(), "text/plain"), ("b.txt", "b"u8.ToArray(), "text/plain"), ("c.txt", "c"u8.ToArray(), "text/plain")))
        using (var response = await client.PostAsync("/api/generate", tooMany))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("Kiln:Attachments:MaxFiles", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var noPrompt = Form("  ", null, ("a.txt", "a"u8.ToArray(), "text/plain")))
        using (var response = await client.PostAsync("/api/generate", noPrompt))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/generate") { Content = Form("a page", null, ("a.txt", "a"u8.ToArray(), "text/plain")) })
        {
            crossSite.Headers.Add("Origin", "https://evil.example");
            using var response = await client.SendAsync(crossSite);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("Kiln:Cors:Origins", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/projects")).EnumerateArray());
        Assert.Empty(kiln.Log.Errors);
    }

    [Fact]
    public async Task A_multipart_body_beyond_the_old_json_limit_is_accepted_and_names_are_made_safe()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Attachments:MaxFileBytes"] = "3000000" });
        var big = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("name,price\nbread,2\n", 120_000)));
        Assert.True(big.Length > 2 * 1024 * 1024);

        var projectId = await PostAsync(kiln, Form("a table of these prices", null, ("../../etc/pri ces.csv", big, "text/csv"), ("pri ces.csv", "a,b\n"u8.ToArray(), "text/csv")));

        var uploads = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "public", "uploads");
        Assert.Equal(["pri-ces-2.csv", "pri-ces.csv"], Directory.GetFiles(uploads).Select(Path.GetFileName).Order());
        Assert.Equal(big.Length, new FileInfo(Path.Combine(uploads, "pri-ces.csv")).Length);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
    }
}
