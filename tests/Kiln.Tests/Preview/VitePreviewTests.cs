using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Preview;

/// <summary>
/// A real react-ts app from <c>pnpm create vite</c>, previewed through Kiln: its dev server in the sandbox, its
/// pages and modules through the proxy, Vite's HMR over a WebSocket through the proxy, a crash and a build.
/// </summary>
[Slow]
public sealed partial class VitePreviewTests(VitePreviewTests.ViteApp vite) : IClassFixture<VitePreviewTests.ViteApp>
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(60);

    private PreviewHarness Preview => vite.Preview!;

    private string ProjectId => vite.ProjectId!;

    private string App => Preview.AppDirectory(ProjectId);

    /// <summary>One Kiln and one scaffolded, installed react-ts app, shared by the class: scaffolding is the slow part.</summary>
    public sealed class ViteApp : IAsyncLifetime
    {
        private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);
        private string? _unavailable;
        private string? _scaffold;

        public PreviewHarness? Preview { get; private set; }

        public string? ProjectId { get; private set; }

        /// <summary>Skips the test (fails it on CI) when the app could not be made, naming the step that failed.</summary>
        public void Require()
        {
            Requires.Pnpm();
            if (_unavailable is not null)
            {
                Requires.Unavailable(_unavailable);
            }
        }

        public async ValueTask InitializeAsync()
        {
            if (Requires.Find("pnpm") is null || Requires.Find("node") is null)
            {
                return;
            }

            Preview = PreviewHarness.Start();
            ProjectId = await Preview.CreateProjectAsync();
            _scaffold = TempDirectory.Create("kiln-vite-scaffold");
            var create = await RunAsync(_scaffold, "pnpm", "create", "vite@latest", "app", "--template", "react-ts");
            if (create is not null)
            {
                _unavailable = $"Scaffolding failed at 'pnpm create vite@latest app --template react-ts' (is the npm registry reachable?): {create}";
                return;
            }

            var app = Preview.AppDirectory(ProjectId);
            CopyDirectory(Path.Combine(_scaffold, "app"), app);
            var install = await RunAsync(app, "pnpm", "install");
            if (install is not null)
            {
                _unavailable = $"Installing the scaffolded app failed at 'pnpm install' (is the npm registry reachable?): {install}";
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Preview is not null)
            {
                await Preview.DisposeAsync();
            }

            if (_scaffold is not null)
            {
                TempDirectory.Delete(_scaffold);
            }
        }

        /// <summary>Runs a step of the fixture; null when it worked, else its last output.</summary>
        public static async Task<string?> RunAsync(string directory, string program, params string[] arguments)
        {
            try
            {
                var step = await ExternalProgram.RunAsync(Requires.Find(program)!, arguments, StepTimeout, TestContext.Current.CancellationToken, directory);
                var all = step.Output + step.Errors;
                return step.ExitCode == 0 ? null : $"exit code {step.ExitCode}: {all[Math.Max(0, all.Length - 2000)..]}";
            }
            catch (TimeoutException)
            {
                return $"it did not finish within {StepTimeout}";
            }
        }

        private static void CopyDirectory(string from, string to)
        {
            foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            {
                Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
            }

            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
            }
        }
    }

    [Fact]
    public async Task A_react_ts_app_is_previewed_through_its_own_origin()
    {
        vite.Require();
        await StopAsync();
        var url = Preview.UrlFor(ProjectId).ToString();

        var before = await Preview.LastSeqAsync(ProjectId);
        var result = await Preview.StartDevServerAsync(ProjectId);
        Assert.Contains(url, result, StringComparison.Ordinal);

        var events = await Preview.EventsUntilAsync(ProjectId, before, EventTimeout, "preview_ready");
        var started = Assert.Single(events, e => e.GetProperty("type").GetString() == "server_started").GetProperty("data");
        var port = started.GetProperty("port").GetInt32();
        Assert.InRange(port, 5400, 5499);
        Assert.Contains($"--port {port}", started.GetProperty("command").GetString(), StringComparison.Ordinal);
        // The dev script is just "vite": it runs from node_modules/.bin without starting pnpm first. The command is
        // shown relative to the app, not where the app lives on the host.
        Assert.StartsWith("node_modules/.bin/vite --host",
            started.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Equal(url, events[^1].GetProperty("data").GetProperty("url").GetString());

        using var page = await Preview.GetAsync(ProjectId, pageLoad: true);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/@vite/client", html, StringComparison.Ordinal);
        Assert.Contains("<div id=\"root\"></div>", html, StringComparison.Ordinal);

        using var module = await Preview.GetAsync(ProjectId, "/src/App.tsx");
        Assert.Equal(HttpStatusCode.OK, module.StatusCode);
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        Assert.Contains("useState", await module.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        Assert.Equal(url, (await Preview.Kiln.StatusAsync(ProjectId, TestContext.Current.CancellationToken)).GetProperty("previewUrl").GetString());
        var status = (await Preview.CallToolAsync(ProjectId, "check_server_status")).Text;
        Assert.Contains("Dev server: running", status, StringComparison.Ordinal);
        Assert.Contains($"Port: {port}", status, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Preview.Kiln.ProjectsRoot, ProjectId, "logs", "dev-server.log")));
    }

    [Fact]
    public async Task Editing_App_tsx_through_write_file_sends_an_hmr_update_over_the_proxied_websocket()
    {
        vite.Require();
        await Preview.StartDevServerAsync(ProjectId);

        // What a browser does first: load the client (which carries the socket's token) and the modules.
        using var client = await Preview.GetAsync(ProjectId, "/@vite/client");
        var token = WebSocketToken().Match(await client.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Groups[1].Value;
        Assert.NotEmpty(token);
        foreach (var module in new[] { "/src/main.tsx", "/src/App.tsx" })
        {
            using var response = await Preview.GetAsync(ProjectId, module);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var socket = await Preview.ConnectWebSocketAsync(ProjectId, $"/?token={Uri.EscapeDataString(token)}", "vite-hmr");
        Assert.Equal("vite-hmr", socket.SubProtocol);
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("type").GetString());

        var source = await File.ReadAllTextAsync(Path.Combine(App, "src", "App.tsx"), TestContext.Current.CancellationToken);
        var edited = Regex.Replace(source, "<h1>[^<]*</h1>", "<h1>Edited through Kiln</h1>");
        Assert.NotEqual(source, edited);
        var (isError, text) = await Preview.CallToolAsync(ProjectId, "write_file", new() { ["path"] = "src/App.tsx", ["content"] = edited });
        Assert.False(isError, text);

        var update = await ReceiveUntilAsync(socket, message => message.GetProperty("type").GetString() == "update", "Edited through Kiln");
        var updated = update.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("path").GetString()).ToList();
        Assert.Contains("/src/App.tsx", updated);

        using var fresh = await Preview.GetAsync(ProjectId, "/src/App.tsx");
        Assert.Contains("Edited through Kiln", await fresh.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hand_edit_through_the_api_reaches_the_running_preview_by_hmr()
    {
        vite.Require();
        var cancellationToken = TestContext.Current.CancellationToken;
        await Preview.StartDevServerAsync(ProjectId);
        using var client = await Preview.GetAsync(ProjectId, "/@vite/client");
        var token = WebSocketToken().Match(await client.Content.ReadAsStringAsync(cancellationToken)).Groups[1].Value;
        foreach (var module in new[] { "/src/main.tsx", "/src/App.tsx" })
        {
            using var response = await Preview.GetAsync(ProjectId, module);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var socket = await Preview.ConnectWebSocketAsync(ProjectId, $"/?token={Uri.EscapeDataString(token)}", "vite-hmr");
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("type").GetString());

        // The person reads the file through the API, changes a line and saves it with the ETag they read.
        using var api = Preview.Kiln.Client(Preview.Token);
        using var read = await api.GetAsync($"/api/projects/{ProjectId}/files/src/App.tsx", cancellationToken);
        var source = await read.Content.ReadAsStringAsync(cancellationToken);
        var edited = Regex.Replace(source, "<h1>[^<]*</h1>", "<h1>Edited by hand</h1>");
        Assert.NotEqual(source, edited);
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/projects/{ProjectId}/files/src/App.tsx") { Content = new StringContent(edited) };
        put.Headers.IfMatch.Add(read.Headers.ETag!);
        using (var saved = await api.SendAsync(put, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }

        var update = await ReceiveUntilAsync(socket, message => message.GetProperty("type").GetString() == "update", "Edited by hand");
        Assert.Contains("/src/App.tsx", update.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("path").GetString()));
        using var fresh = await Preview.GetAsync(ProjectId, "/src/App.tsx");
        Assert.Contains("Edited by hand", await fresh.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dev_server_killed_with_SIGKILL_is_detected_and_restarted()
    {
        vite.Require();
        await Preview.StartDevServerAsync(ProjectId);
        var before = await Preview.LastSeqAsync(ProjectId);
        var server = PreviewHarness.ViteProcessIn(App);

        // Process.Kill is SIGKILL: no chance to clean up, as when the kernel's OOM killer strikes.
        using (var process = Process.GetProcessById(server))
        {
            process.Kill();
        }

        var events = await Preview.EventsUntilAsync(ProjectId, before, EventTimeout, "preview_ready");
        var types = events.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal(["error_occurred", "server_started", "preview_ready"], types);
        Assert.Contains("crashed", events[0].GetProperty("data").GetProperty("message").GetString(), StringComparison.Ordinal);

        using var page = await Preview.GetAsync(ProjectId, pageLoad: true);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var status = (await Preview.CallToolAsync(ProjectId, "check_server_status")).Text;
        Assert.Contains("Dev server: running", status, StringComparison.Ordinal);
        Assert.Contains("crashed with exit code", status, StringComparison.Ordinal);
        Assert.DoesNotContain(server, PreviewHarness.ProcessesIn(App));
    }

    [Fact]
    public async Task A_build_is_served_as_static_files_with_no_dev_server()
    {
        vite.Require();
        var build = await ViteApp.RunAsync(App, "pnpm", "run", "build");
        Assert.True(build is null, $"pnpm run build failed: {build}");
        try
        {
            await StopAsync();
            Assert.Empty(await PreviewHarness.WaitUntilNoProcessesInAsync(App, TimeSpan.FromSeconds(5)));

            using var page = await Preview.GetAsync(ProjectId, pageLoad: true);
            var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.DoesNotContain("/@vite/client", html, StringComparison.Ordinal);
            var script = BuiltScript().Match(html).Groups[1].Value;
            Assert.NotEmpty(script);

            using var asset = await Preview.GetAsync(ProjectId, script);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);

            // A client-side route of the single-page app gets its index.html.
            using var route = await Preview.GetAsync(ProjectId, "/some/route", pageLoad: true);
            Assert.Equal(HttpStatusCode.OK, route.StatusCode);

            Assert.Empty(PreviewHarness.ProcessesIn(App));
            Assert.Equal(DevServerState.Stopped, Preview.Kiln.Services.GetRequiredService<DevServerSupervisor>().State(ProjectId));
        }
        finally
        {
            Directory.Delete(Path.Combine(App, "dist"), recursive: true);
        }
    }

    // Its cost is measured (README, Performance), not asserted here: this checks what a person relies on.
    [Fact]
    public async Task A_static_asset_through_the_proxy_is_what_the_dev_server_serves()
    {
        vite.Require();
        var result = await Preview.StartDevServerAsync(ProjectId);
        var port = int.Parse(Regex.Match(result, @"port (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // Straight to the dev server the way Kiln reaches it (in its own network namespace, through its Unix socket),
        // without the proxy in between.
        var upstream = Preview.Kiln.Services.GetRequiredService<PreviewUpstream>().Invoker;

        for (var i = 0; i < 20; i++)
        {
            using var proxied = await Preview.GetAsync(ProjectId, "/favicon.svg");
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}/favicon.svg"));
            using var straight = await upstream.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
            Assert.Equal(straight.Content.Headers.ContentType?.MediaType, proxied.Content.Headers.ContentType?.MediaType);
            Assert.Equal(
                await straight.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken),
                await proxied.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task Public_files_are_served_by_kiln_itself_and_everything_else_by_vite()
    {
        vite.Require();
        await Preview.StartDevServerAsync(ProjectId);
        using var warm = await Preview.GetAsync(ProjectId, "/src/App.tsx");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var server = PreviewHarness.ViteProcessIn(App);

        // A frozen dev server answers nothing: what still answers comes from Kiln.
        Signal("STOP", server);
        try
        {
            using var icon = await Preview.GetAsync(ProjectId, "/favicon.svg").WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
            Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(App, "public", "favicon.svg"), TestContext.Current.CancellationToken),
                await icon.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
            Assert.Equal("no-cache", icon.Headers.CacheControl?.ToString());

            // A module, and a public file asked for as an import, are Vite's to answer.
            await Assert.ThrowsAsync<TimeoutException>(() => Preview.GetAsync(ProjectId, "/src/App.tsx").WaitAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
            await Assert.ThrowsAsync<TimeoutException>(() => Preview.GetAsync(ProjectId, "/favicon.svg?import").WaitAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        }
        finally
        {
            Signal("CONT", server);
        }

        // Thawed, Vite answers them again; the import is Vite's own answer (it refuses to import a public file), not the file.
        using var module = await Preview.GetAsync(ProjectId, "/src/App.tsx");
        Assert.Equal(HttpStatusCode.OK, module.StatusCode);
        using var imported = await Preview.GetAsync(ProjectId, "/favicon.svg?import");
        Assert.DoesNotContain("<svg", await imported.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_public_symlink_to_Kilns_settings_is_not_served()
    {
        vite.Require();
        // What code in the app could plant: links in public/ to Kiln's appsettings.json, in its content root and in the
        // folder it runs from. Kiln refuses a public file that leaves public/, so Vite answers, from inside the sandbox.
        var contentRoot = Preview.Kiln.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>().ContentRootPath;
        var links = new Dictionary<string, string>
        {
            ["/settings.json"] = Path.Combine(contentRoot, "appsettings.json"),
            ["/installed-settings.json"] = Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
        };
        foreach (var (path, target) in links)
        {
            var link = Path.Combine(App, "public", path.TrimStart('/'));
            File.Delete(link);
            File.CreateSymbolicLink(link, target);
        }

        await Preview.StartDevServerAsync(ProjectId);

        foreach (var (path, target) in links)
        {
            using var response = await Preview.GetAsync(ProjectId, path);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Contains("\"Logging\"", await File.ReadAllTextAsync(target, TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.DoesNotContain("\"Logging\"", body, StringComparison.Ordinal);
        }
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private async Task StopAsync() =>
        await Preview.Kiln.Services.GetRequiredService<DevServerSupervisor>()
            .StopServerAsync(ProjectId, DevServerStopReason.Requested, TestContext.Current.CancellationToken);

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, received.MessageType);
            message.Write(buffer, 0, received.Count);
            if (received.EndOfMessage)
            {
                return JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone();
            }
        }
    }

    /// <summary>
    /// Reads HMR messages until one is <paramref name="wanted"/>. When none comes, says what came and whether Vite serves
    /// <paramref name="marker"/> in /src/App.tsx by now, which tells a change Vite never saw from an update it did not send.
    /// </summary>
    private async Task<JsonElement> ReceiveUntilAsync(ClientWebSocket socket, Func<JsonElement, bool> wanted, string marker)
    {
        var seen = new List<string>();
        try
        {
            while (seen.Count < 50)
            {
                var message = await ReceiveAsync(socket);
                if (wanted(message))
                {
                    return message;
                }

                seen.Add(message.ToString());
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            // Said below, with what Vite serves now.
        }

        using var module = await Preview.GetAsync(ProjectId, "/src/App.tsx");
        var served = await module.Content.ReadAsStringAsync(CancellationToken.None);
        throw new InvalidOperationException(
            $"No matching HMR message within 30 s; got: [{string.Join(" | ", seen)}]. Vite now serves /src/App.tsx with " +
            $"{(int)module.StatusCode}, {(served.Contains(marker, StringComparison.Ordinal) ? "with" : "WITHOUT")} the edit ({marker}).");
    }

    [GeneratedRegex("const wsToken = \"([^\"]+)\"")]
    private static partial Regex WebSocketToken();

    [GeneratedRegex("<script type=\"module\" crossorigin src=\"(/assets/[^\"]+\\.js)\"")]
    private static partial Regex BuiltScript();
}
