using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Agents;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Versions;

/// <summary>
/// <c>POST /api/import</c> with a zip, over real HTTP: a plain app becomes a project whose first version is "imported"
/// and whose preview serves it; a hostile zip is refused with the entry and the rule named, and nothing written.
/// </summary>
public sealed class ImportZipTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Small limits, so a bomb and a crowd of files are quick to make.</summary>
    private static readonly Dictionary<string, string?> Limits = new()
    {
        ["Kiln:Import:MaxFiles"] = "20",
        ["Kiln:Import:MaxTotalBytes"] = (8L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Kiln:Import:MaxFileBytes"] = (4L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_static_app_zip_becomes_a_ready_project_whose_first_version_is_imported_and_whose_preview_serves_it()
    {
        await using var kiln = KilnApp.Start(Limits);
        // As GitHub's "Download ZIP" and a zipped clone make it: one top-level folder, a .git, node_modules, macOS litter.
        var zip = Zip(
            ("my-site/", null, null),
            ("my-site/index.html", "<!doctype html><title>Imported</title><h1>Hello from the zip</h1><script src=\"app.js\"></script>", null),
            ("my-site/app.js", "document.title += '!';", null),
            ("my-site/css/site.css", "h1 { color: teal; }", null),
            ("my-site/.git/HEAD", "ref: refs/heads/main\n", null),
            ("my-site/.git/config", "[core]\n\tfsmonitor = /bin/evil\n", null),
            ("my-site/node_modules/left-pad/index.js", "module.exports = 1;", null),
            ("__MACOSX/my-site/._index.html", "junk", null));

        var (status, body) = await ImportAsync(kiln, zip, "my-site-main.zip");

        Assert.Equal(HttpStatusCode.Accepted, status);
        var projectId = body.GetProperty("projectId").GetString()!;
        Assert.Equal("queued", body.GetProperty("status").GetString());
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        using var client = kiln.Client();
        var files = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/files", Ct))
            .EnumerateArray().Select(file => file.GetProperty("path").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["app.js", "css/site.css", "index.html"], files);
        var app = kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);
        Assert.False(Directory.Exists(Path.Combine(app, "node_modules")));
        // The zip's .git was left out: the project's own history starts at "imported", with Kiln's config.
        Assert.DoesNotContain("fsmonitor", await File.ReadAllTextAsync(Path.Combine(app, ".git", "config"), Ct), StringComparison.Ordinal);

        var versions = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", Ct);
        var first = Assert.Single(versions.EnumerateArray());
        Assert.Equal("imported", first.GetProperty("outcome").GetString());
        Assert.Equal("Import my-site-main.zip", first.GetProperty("prompt").GetString());

        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Host = $"p-{projectId}.localhost:{kiln.BaseAddress.Port}";
        using var served = await client.SendAsync(page, Ct);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("Hello from the zip", await served.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        await using var events = kiln.Events(projectId);
        var stream = await events.ReadUntilAsync(Timeout, "status_changed");
        var imported = Assert.Single(stream, e => e.GetProperty("type").GetString() == "app_imported").GetProperty("data");
        Assert.Equal(3, imported.GetProperty("files").GetInt32());
        Assert.StartsWith("a static site", imported.GetProperty("kind").GetString(), StringComparison.Ordinal);

        // The agent's next prompt is told what it continues.
        var briefing = kiln.Services.GetRequiredService<AppBriefing>().Describe(projectId);
        Assert.Contains("# An imported app", briefing, StringComparison.Ordinal);
        Assert.Contains("imported from my-site-main.zip", briefing, StringComparison.Ordinal);
        Assert.Contains("a static site", briefing, StringComparison.Ordinal);
    }

    public static TheoryData<string, (string Name, string? Content, int? UnixMode)[], HttpStatusCode, string> HostileZips => new()
    {
        { "traversal", [("index.html", "<h1>ok</h1>", null), ("../x", "escaped", null)], HttpStatusCode.BadRequest, "'..'" },
        { "nested traversal", [("app/../../x", "escaped", null)], HttpStatusCode.BadRequest, "'..'" },
        { "absolute path", [("/tmp/kiln-import-escape", "escaped", null)], HttpStatusCode.BadRequest, "absolute path" },
        { "drive letter", [("C:/x", "escaped", null)], HttpStatusCode.BadRequest, "drive letter" },
        { "backslash", [("app\\..\\..\\x", "escaped", null)], HttpStatusCode.BadRequest, "backslash" },
        { "symlink", [("index.html", "<h1>ok</h1>", null), ("secrets", "/etc/passwd", 0xA1FF)], HttpStatusCode.BadRequest, "symbolic link" },
        { "fifo", [("pipe", "", 0x11A4)], HttpStatusCode.BadRequest, "not a regular file" },
        { "kiln's own folder", [("app/index.html", "<h1>ok</h1>", null), ("app/.claude-session/config.json", "{}", null)], HttpStatusCode.BadRequest, "Kiln's own folder" },
        { "too many files", [.. Enumerable.Range(0, 21).Select(i => ($"file{i}.txt", "x", (int?)null))], HttpStatusCode.RequestEntityTooLarge, "Kiln:Import:MaxFiles" },
    };

    [Theory]
    [MemberData(nameof(HostileZips))]
    public async Task A_hostile_zip_is_refused_naming_the_entry_and_the_rule_and_nothing_is_written(
        string what, (string Name, string? Content, int? UnixMode)[] entries, HttpStatusCode expected, string rule)
    {
        await using var kiln = KilnApp.Start(Limits);
        var outside = Path.Combine(Path.GetDirectoryName(kiln.ProjectsRoot)!, "x");
        var before = File.Exists(outside);

        var (status, problem) = await ImportAsync(kiln, Zip(entries), what + ".zip");

        Assert.Equal(expected, status);
        Assert.Contains(rule, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(rule, problem.GetProperty("rule").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("entry").GetString()));
        await AssertNothingWrittenAsync(kiln);
        Assert.Equal(before, File.Exists(outside));
        Assert.False(File.Exists("/tmp/kiln-import-escape"));
    }

    [Fact]
    public async Task A_zip_bomb_is_refused_on_the_bytes_it_inflates_to_and_nothing_is_written()
    {
        // Size limits far above the bomb: its compression ratio alone stops it, as soon as it shows.
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>(Limits)
        {
            ["Kiln:Import:MaxTotalBytes"] = "1073741824",
            ["Kiln:Import:MaxFileBytes"] = "1073741824",
        });
        // 64 MiB of zeros deflates to about 64 KB: a thousand to one.
        using var bomb = new MemoryStream();
        using (var archive = new ZipArchive(bomb, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var index = archive.CreateEntry("index.html").Open())
            {
                index.Write("<h1>ok</h1>"u8);
            }

            using var zeros = archive.CreateEntry("data.bin", CompressionLevel.SmallestSize).Open();
            var block = new byte[1 << 20];
            for (var i = 0; i < 64; i++)
            {
                zeros.Write(block);
            }
        }

        var (status, problem) = await ImportAsync(kiln, bomb.ToArray(), "bomb.zip");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("data.bin", problem.GetProperty("entry").GetString());
        Assert.Contains("zip bomb", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync(kiln);
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_refused_even_when_it_compresses_modestly()
    {
        await using var kiln = KilnApp.Start(Limits);
        var random = new byte[5 << 20];
        new Random(7).NextBytes(random);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var big = archive.CreateEntry("big.bin").Open();
            big.Write(random);
        }

        var (status, problem) = await ImportAsync(kiln, zip.ToArray(), "big.zip");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Kiln:Import:MaxFileBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync(kiln);
    }

    [Fact]
    public async Task Something_that_is_not_a_zip_is_a_problem_that_says_so()
    {
        await using var kiln = KilnApp.Start(Limits);
        var (status, problem) = await ImportAsync(kiln, "just some text"u8.ToArray(), "notes.txt");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not a zip", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync(kiln);

        using var client = kiln.Client();
        using var json = await client.PostAsJsonAsync("/api/import", new { nothing = true }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("gitUrl", await json.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var text = await client.PostAsync("/api/import", new StringContent("app"), Ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
    }

    [Fact]
    public async Task An_import_past_the_project_quota_is_refused_and_unpacks_nothing()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>(Limits) { ["Kiln:Quotas:MaxProjects"] = "1" });
        await kiln.CreateReadyProjectAsync();

        var (status, problem) = await ImportAsync(kiln, Zip(("index.html", "<h1>ok</h1>", null)), "site.zip");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Kiln:Quotas:MaxProjects", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await kiln.Services.GetRequiredService<IProjectStore>().CountAsync(Ct));
    }

    /// <summary>No project, no project directory, no scratch left of the upload.</summary>
    private static async Task AssertNothingWrittenAsync(KilnApp kiln)
    {
        Assert.Equal(0, await kiln.Services.GetRequiredService<IProjectStore>().CountAsync(Ct));
        Assert.DoesNotContain(Directory.GetDirectories(kiln.ProjectsRoot).Select(Path.GetFileName).OfType<string>(), ProjectIds.IsValid);
        var scratch = Path.Combine(kiln.ProjectsRoot, ".imports");
        Assert.True(!Directory.Exists(scratch) || Directory.GetFileSystemEntries(scratch).Length == 0,
            $"The upload left {string.Join(", ", Directory.GetFileSystemEntries(scratch))}");
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(KilnApp kiln, byte[] zip, string fileName)
    {
        using var client = kiln.Client();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(zip);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "file", fileName);
        using var response = await client.PostAsync("/api/import", form, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>A zip of the entries: a name ending in '/' is a folder; a Unix mode, when given, is set as a zip made on Unix carries it.</summary>
    internal static byte[] Zip(params (string Name, string? Content, int? UnixMode)[] entries)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, mode) in entries)
            {
                var entry = archive.CreateEntry(name);
                if (mode is { } unix)
                {
                    entry.ExternalAttributes = unix << 16;
                }

                if (content is not null)
                {
                    using var data = entry.Open();
                    data.Write(Encoding.UTF8.GetBytes(content));
                }
            }
        }

        return stream.ToArray();
    }
}
