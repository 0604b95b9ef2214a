using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Preview;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Preview;

/// <summary>
/// The supervisor's rules, with a tiny Node server as the dev script: idle servers stop and come back on the next
/// visit, the least recently used is evicted, nothing outlives Kiln, and the preview origin is its own world.
/// </summary>
[Slow]
public sealed class DevServerLifecycleTests
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Idle_server_stops_and_the_next_preview_request_starts_it_again()
    {
        Requires.Pnpm();
        await using var preview = PreviewHarness.Start(new Dictionary<string, string?> { ["Kiln:Preview:IdleTimeout"] = "00:00:02" });
        var projectId = await preview.CreateEchoProjectAsync();
        var app = preview.AppDirectory(projectId);

        var before = await preview.LastSeqAsync(projectId);
        await preview.StartDevServerAsync(projectId);
        await preview.EchoAsync(projectId);
        Assert.NotEmpty(PreviewHarness.ProcessesIn(app));

        var stopped = await preview.EventsUntilAsync(projectId, before, EventTimeout, "server_stopped");
        Assert.Equal("idle", stopped[^1].GetProperty("data").GetProperty("reason").GetString());
        Assert.Empty(await PreviewHarness.WaitUntilNoProcessesInAsync(app, TimeSpan.FromSeconds(5)));
        Assert.Contains("stopped", (await preview.CallToolAsync(projectId, "check_server_status")).Text, StringComparison.Ordinal);

        // A visit brings it back, and the visitor simply gets the app.
        var afterStop = await preview.LastSeqAsync(projectId);
        var echo = await preview.EchoAsync(projectId, "/again");
        Assert.Equal("/again", echo.GetProperty("url").GetString());
        var restarted = await preview.EventsUntilAsync(projectId, afterStop, EventTimeout, "preview_ready");
        Assert.Equal(["server_started", "preview_ready"], restarted.Select(e => e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Starting_a_third_server_evicts_the_least_recently_used_of_two()
    {
        Requires.Pnpm();
        await using var preview = PreviewHarness.Start(new Dictionary<string, string?> { ["Kiln:Preview:MaxRunningServers"] = "2" });
        var first = await preview.CreateEchoProjectAsync();
        var second = await preview.CreateEchoProjectAsync();
        var third = await preview.CreateEchoProjectAsync();

        await preview.StartDevServerAsync(first);
        await preview.StartDevServerAsync(second);
        // The first is used again, so the second is now the least recently used.
        await preview.EchoAsync(first);
        var secondBefore = await preview.LastSeqAsync(second);

        await preview.StartDevServerAsync(third);

        var stopped = await preview.EventsUntilAsync(second, secondBefore, EventTimeout, "server_stopped");
        Assert.Equal("evicted", stopped[^1].GetProperty("data").GetProperty("reason").GetString());
        var supervisor = preview.Kiln.Services.GetRequiredService<DevServerSupervisor>();
        Assert.Equal(DevServerState.Running, supervisor.State(first));
        Assert.Equal(DevServerState.Stopped, supervisor.State(second));
        Assert.Equal(DevServerState.Running, supervisor.State(third));
        Assert.Empty(await PreviewHarness.WaitUntilNoProcessesInAsync(preview.AppDirectory(second), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_preview_origin_gets_neither_the_api_token_nor_cookies_and_answers_no_api_route()
    {
        Requires.Pnpm();
        const string token = "preview-secret-token";
        await using var preview = PreviewHarness.Start(token: token);
        var projectId = await preview.CreateEchoProjectAsync();
        await preview.StartDevServerAsync(projectId);

        // The preview needs no token (its address is the capability), and what the browser sends for Kiln stays with Kiln.
        var echo = await preview.EchoAsync(projectId, "/api/projects", request =>
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Cookie", "kiln_session=abc");
            request.Headers.Add("X-App-Header", "kept");
        });
        var headers = echo.GetProperty("headers");
        Assert.False(headers.TryGetProperty("authorization", out _), headers.ToString());
        Assert.False(headers.TryGetProperty("cookie", out _), headers.ToString());
        Assert.Equal("kept", headers.GetProperty("x-app-header").GetString());
        Assert.StartsWith("127.0.0.1:", headers.GetProperty("host").GetString(), StringComparison.Ordinal);
        Assert.Equal($"p-{projectId}.localhost:{preview.Port}", headers.GetProperty("x-forwarded-host").GetString());
        // An API path on the preview host is the app's path, not Kiln's API.
        Assert.Equal("/api/projects", echo.GetProperty("url").GetString());

        // The API itself still wants the token, and the page that frames the preview does not.
        using var anonymous = preview.Kiln.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/projects", TestContext.Current.CancellationToken)).StatusCode);
        var frame = await anonymous.GetStringAsync($"/api/projects/{projectId}/preview", TestContext.Current.CancellationToken);
        Assert.Contains($"src=\"{preview.UrlFor(projectId)}\"", frame, StringComparison.Ordinal);

        // An unknown project on a preview host is a clear page, not an API answer.
        using var unknown = await preview.GetAsync("aaaaaaaaaaaa", pageLoad: true);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("text/html", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("No such project", await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_static_app_is_served_on_its_own_origin_with_no_process()
    {
        await using var preview = PreviewHarness.Start();
        var projectId = await preview.Kiln.GenerateAsync("Build a todo app for my groceries");
        await preview.Kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
        var url = preview.UrlFor(projectId).ToString();

        var before = await preview.LastSeqAsync(projectId);
        var result = await preview.StartDevServerAsync(projectId);
        Assert.Contains("no dev server process is needed", result, StringComparison.Ordinal);
        Assert.Contains(url, result, StringComparison.Ordinal);
        var ready = await preview.EventsUntilAsync(projectId, before, EventTimeout, "preview_ready");
        Assert.Equal(url, ready[^1].GetProperty("data").GetProperty("url").GetString());
        Assert.Equal(url, (await preview.CallToolAsync(projectId, "generate_preview_url")).Text);
        Assert.Equal(url, (await preview.Kiln.StatusAsync(projectId, TestContext.Current.CancellationToken)).GetProperty("previewUrl").GetString());

        using var page = await preview.GetAsync(projectId, pageLoad: true);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Groceries", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.OrdinalIgnoreCase);
        foreach (var asset in new[] { "styles.css", "app.js" })
        {
            using var response = await preview.GetAsync(projectId, asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A path that tries to leave the app is refused, as on the file API.
        using var traversal = await preview.GetAsync(projectId, "/..%5C..%5Ckiln.db");
        Assert.Equal(HttpStatusCode.BadRequest, traversal.StatusCode);

        Assert.Empty(PreviewHarness.ProcessesIn(preview.AppDirectory(projectId)));
        Assert.Contains("needs no dev server", (await preview.CallToolAsync(projectId, "check_server_status")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dev_server_that_fails_to_start_returns_its_last_output_to_the_model()
    {
        Requires.Pnpm();
        await using var preview = PreviewHarness.Start();
        var projectId = await preview.CreateEchoProjectAsync();
        await File.WriteAllTextAsync(
            Path.Combine(preview.AppDirectory(projectId), "server.mjs"),
            "console.log('compiling');\nthrow new Error('kaboom: Unexpected token in App.tsx');\n",
            TestContext.Current.CancellationToken);

        var before = await preview.LastSeqAsync(projectId);
        var (isError, text) = await preview.CallToolAsync(projectId, "start_dev_server");
        Assert.True(isError, text);
        Assert.Contains("exited with code", text, StringComparison.Ordinal);
        Assert.Contains("kaboom: Unexpected token in App.tsx", text, StringComparison.Ordinal);

        var events = await preview.EventsUntilAsync(projectId, before, EventTimeout, "error_occurred");
        Assert.Contains("kaboom", events[^1].GetProperty("data").GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.Contains("kaboom", await File.ReadAllTextAsync(Path.Combine(preview.Kiln.ProjectsRoot, projectId, "logs", "dev-server.log"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var status = (await preview.CallToolAsync(projectId, "check_server_status")).Text;
        Assert.Contains("crashed", status, StringComparison.Ordinal);
        Assert.Contains("kaboom", status, StringComparison.Ordinal);

        // A page load retries the crashed server; when that retry takes over its 3 s wait (a loaded machine), the page is
        // "Starting…", which reloads itself every second, as a browser would here, until the retry has failed too.
        var page = await preview.GetAsync(projectId, pageLoad: true);
        for (var reloads = 0; page.StatusCode == HttpStatusCode.ServiceUnavailable && reloads < 30; reloads++)
        {
            page.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            page = await preview.GetAsync(projectId, pageLoad: true);
        }

        using (page)
        {
            Assert.Equal(HttpStatusCode.BadGateway, page.StatusCode);
            Assert.Contains("kaboom", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_dev_script_run_by_a_pnpm_the_app_does_not_pin_starts_without_fetching_that_pnpm()
    {
        // A packageManager field makes pnpm fetch that pnpm before it runs a script; a dev server has no network to.
        Requires.Pnpm();
        await using var preview = PreviewHarness.Start();
        var projectId = await preview.CreateEchoProjectAsync();
        await File.WriteAllTextAsync(
            Path.Combine(preview.AppDirectory(projectId), "package.json"),
            """{ "name": "echo", "private": true, "packageManager": "pnpm@9.15.0", "scripts": { "dev": "node server.mjs" } }""",
            TestContext.Current.CancellationToken);

        await preview.StartDevServerAsync(projectId);

        Assert.Equal("/pinned", (await preview.EchoAsync(projectId, "/pinned")).GetProperty("url").GetString());
    }

    [Fact]
    public async Task No_dev_server_outlives_Kiln_shutdown()
    {
        Requires.Pnpm();
        var preview = PreviewHarness.Start();
        string[] apps;
        await using (preview)
        {
            var first = await preview.CreateEchoProjectAsync();
            var second = await preview.CreateEchoProjectAsync();
            await preview.StartDevServerAsync(first);
            await preview.StartDevServerAsync(second);
            apps = [preview.AppDirectory(first), preview.AppDirectory(second)];
            Assert.All(apps, app => Assert.NotEmpty(PreviewHarness.ProcessesIn(app)));
        }

        // Disposing the host is Kiln's shutdown: by then every server's processes are gone, not merely signalled.
        Assert.All(apps, app => Assert.Empty(PreviewHarness.ProcessesIn(app)));
    }

    [Fact]
    public async Task A_dev_server_left_by_a_killed_Kiln_is_killed_at_the_next_start()
    {
        Requires.Node();
        var root = TempDirectory.Create("kiln-root");
        var projectId = Kiln.Projects.ProjectIds.New();
        var app = Path.Combine(root, projectId, "generated-app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "server.mjs"), "setInterval(() => {}, 1000);\n", TestContext.Current.CancellationToken);

        // What a Kiln killed without a sandbox leaves: a server in its own process group, and its record.
        var start = new ProcessStartInfo(Requires.Find("setsid")!) { WorkingDirectory = app, UseShellExecute = false };
        start.ArgumentList.Add(Requires.Find("node")!);
        start.ArgumentList.Add("server.mjs");
        using var leftover = Process.Start(start)!;
        Directory.CreateDirectory(Path.Combine(root, ".dev-servers"));
        await File.WriteAllTextAsync(Path.Combine(root, ".dev-servers", projectId), leftover.Id.ToString(CultureInfo.InvariantCulture), TestContext.Current.CancellationToken);

        try
        {
            await using var preview = PreviewHarness.Start(projectsRoot: root);
            Assert.Empty(await PreviewHarness.WaitUntilNoProcessesInAsync(app, TimeSpan.FromSeconds(5)));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, ".dev-servers")));
            Assert.Contains(preview.Kiln.Log.Entries, entry => entry.Message.Contains("left running by a previous Kiln", StringComparison.Ordinal));
        }
        finally
        {
            if (!leftover.HasExited)
            {
                leftover.Kill();
            }
        }
    }

    [Fact]
    public async Task A_dev_server_of_another_running_Kiln_on_a_shared_root_is_left_alone()
    {
        Requires.Node();
        var root = TempDirectory.Create("kiln-root");
        var projectId = Kiln.Projects.ProjectIds.New();
        var app = Path.Combine(root, projectId, "generated-app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "server.mjs"), "setInterval(() => {}, 1000);\n", TestContext.Current.CancellationToken);

        // Another instance on the same projects root: a live Kiln process, and the server it supervises.
        var other = new ProcessStartInfo(Requires.Find("bash")!) { UseShellExecute = false };
        other.ArgumentList.Add("-c");
        other.ArgumentList.Add("exec -a Kiln-other-instance sleep 600");
        using var otherKiln = Process.Start(other)!;
        var start = new ProcessStartInfo(Requires.Find("setsid")!) { WorkingDirectory = app, UseShellExecute = false };
        start.ArgumentList.Add(Requires.Find("node")!);
        start.ArgumentList.Add("server.mjs");
        using var server = Process.Start(start)!;
        Directory.CreateDirectory(Path.Combine(root, ".dev-servers"));
        var record = Path.Combine(root, ".dev-servers", projectId);
        await File.WriteAllTextAsync(record, $"{server.Id} {otherKiln.Id} {Environment.MachineName}", TestContext.Current.CancellationToken);

        try
        {
            await using (var first = PreviewHarness.Start(projectsRoot: root))
            {
                first.Kiln.KeepProjectsRoot = true;
                Assert.False(server.HasExited);
                Assert.True(File.Exists(record));
            }

            // Once that instance is gone, its server is a leftover like any other.
            otherKiln.Kill();
            await otherKiln.WaitForExitAsync(TestContext.Current.CancellationToken);
            await using var next = PreviewHarness.Start(projectsRoot: root);
            Assert.True(Directory.Exists(app));
            Assert.Empty(await PreviewHarness.WaitUntilNoProcessesInAsync(app, TimeSpan.FromSeconds(5)));
            Assert.True(server.HasExited);
            Assert.False(File.Exists(record));
        }
        finally
        {
            foreach (var process in new[] { server, otherKiln }.Where(process => !process.HasExited))
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task A_dev_server_is_held_to_its_own_cpu_limit_not_to_a_commands()
    {
        Requires.Pnpm();
        await using var preview = PreviewHarness.Start(new Dictionary<string, string?>
        {
            ["Kiln:Sandbox:CpuSeconds"] = "7",
            ["Kiln:Preview:DevServerCpuSeconds"] = "3600",
        });
        var projectId = await preview.CreateEchoProjectAsync();
        var app = preview.AppDirectory(projectId);

        // A command keeps the sandbox's limit, meant for installs and builds...
        await File.WriteAllTextAsync(
            Path.Combine(app, "limits.mjs"), "import { readFileSync } from 'node:fs';\nconsole.log(readFileSync('/proc/self/limits', 'utf8'));\n",
            TestContext.Current.CancellationToken);
        var command = await preview.CallToolAsync(projectId, "run_command", new() { ["command"] = "node limits.mjs" });
        Assert.False(command.IsError, command.Text);
        Assert.Matches(@"Max cpu time\s+7\s+7\s+seconds", command.Text);

        // ...while every process of a long-lived dev server gets its own, so hours of honest compiling do not kill it.
        await preview.StartDevServerAsync(projectId);
        var processes = PreviewHarness.ProcessesIn(app);
        Assert.NotEmpty(processes);
        Assert.All(processes, pid => Assert.Matches(
            @"Max cpu time\s+3600\s+3600\s+seconds", File.ReadAllText($"/proc/{pid}/limits")));
    }

    [Fact]
    public void Preview_options_are_validated_at_start()
    {
        var failure = Assert.ThrowsAny<Exception>(() => KilnApp.Start(new Dictionary<string, string?>
        {
            ["Kiln:Preview:PortRangeStart"] = "6000",
            ["Kiln:Preview:PortRangeEnd"] = "5999",
        }));
        Assert.Contains("PortRangeEnd", failure.ToString(), StringComparison.Ordinal);

        var domain = Assert.ThrowsAny<Exception>(() => KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Preview:Domain"] = "https://preview.example.com/" }));
        Assert.Contains("Domain", domain.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Behind_a_domain_the_preview_url_and_host_use_it()
    {
        Requires.Pnpm();
        await using var preview = PreviewHarness.Start(new Dictionary<string, string?> { ["Kiln:Preview:Domain"] = "preview.example.test", ["Kiln:Preview:Scheme"] = "http" });
        var projectId = await preview.CreateEchoProjectAsync();
        Assert.Equal($"http://p-{projectId}.preview.example.test/", (await preview.CallToolAsync(projectId, "generate_preview_url")).Text);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://p-{projectId}.preview.example.test:{preview.Port}/from-domain"));
        using var response = await preview.Browser.SendAsync(request, TestContext.Current.CancellationToken);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("/from-domain", echo.GetProperty("url").GetString());
    }
}
