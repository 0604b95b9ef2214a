using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Kiln.Testing;

namespace Kiln.Tests.Operations;

/// <summary>
/// The image as a person builds and runs it: deploy/build-image.sh (the engine's layer cache and the local bases make
/// a second build of unchanged sources quick), then deploy/run-image.sh in the foreground, SIGTERM to stop it.
/// </summary>
[Collection(ContainerEngine.Name)]
public sealed class ContainerImageTests
{
    private const string Image = "localhost/kiln:test";
    private const string Token = "container-image-test-token";
    private static readonly string Root = ContainerEngine.RepositoryRoot();

    [Fact]
    [Slow]
    public async Task The_image_generates_an_app_with_the_sandbox_isolated_and_keeps_it_in_its_volume_after_SIGTERM()
    {
        var podman = Requires.Program("podman", "apt-get install -y podman runc mmdebstrap");
        var bash = Requires.Program("bash", "apt-get install -y bash");
        var cancellationToken = TestContext.Current.CancellationToken;
        var build = await ExternalProgram.RunAsync(
            bash, ["deploy/build-image.sh", "--tag", Image], TimeSpan.FromMinutes(40), cancellationToken, Root);
        Assert.True(build.ExitCode == 0, $"build-image.sh exited with {build.ExitCode}:\n{Tail(build.Output + build.Errors)}");

        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (name, volume, port) = ($"kiln-test-{suffix}", $"kiln-test-{suffix}", FreePort());
        var run = StartRun(bash, name, volume, port);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

            var sandbox = await WaitForReadyAsync(http, run, cancellationToken);
            Assert.True(sandbox.GetProperty("isolated").GetBoolean(), $"The sandbox in the container is not isolated: {sandbox}");

            var generate = await http.PostAsJsonAsync("/api/generate", new { prompt = "a todo list" }, cancellationToken);
            Assert.True(
                generate.StatusCode == HttpStatusCode.Accepted,
                $"POST /api/generate answered {(int)generate.StatusCode}: {await generate.Content.ReadAsStringAsync(cancellationToken)}\n{await LogsAsync(name)}");
            var projectId = (await generate.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("projectId").GetString()!;
            var status = await WaitForStatusAsync(http, projectId, cancellationToken);
            Assert.True(status.GetProperty("status").GetString() == "ready", $"The generation did not end ready: {status}");

            // The preview through the published port, by its own origin, as a browser on this machine opens it.
            using var preview = new HttpRequestMessage(HttpMethod.Get, "/");
            preview.Headers.Host = $"p-{projectId}.localhost:{port}";
            var page = await http.SendAsync(preview, cancellationToken);
            var html = await page.Content.ReadAsStringAsync(cancellationToken);
            Assert.True(page.StatusCode == HttpStatusCode.OK && html.Contains("<html", StringComparison.OrdinalIgnoreCase)
                        && !html.Contains("Nothing to preview yet", StringComparison.Ordinal), $"Preview: {(int)page.StatusCode}\n{Tail(html)}");

            // SIGTERM to the foreground run, as Ctrl+C or a service manager sends it: Kiln drains and the container goes.
            var kill = await ExternalProgram.RunAsync(
                "kill", ["-TERM", run.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10), cancellationToken);
            Assert.Equal(0, kill.ExitCode);
            await run.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
            var left = await ExternalProgram.RunAsync(podman, ["ps", "-a", "--filter", $"name={name}", "--format", "{{.Names}}"], TimeSpan.FromSeconds(30), cancellationToken);
            Assert.Equal("", left.Output.Trim());

            var files = await ExternalProgram.RunAsync(
                podman,
                ["run", "--rm", "--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768", "-v", $"{volume}:/var/lib/kiln",
                 "--entrypoint", "ls", Image, $"/var/lib/kiln/projects/{projectId}/generated-app"],
                TimeSpan.FromSeconds(60), cancellationToken);
            Assert.Contains("package.json", files.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (!run.HasExited)
            {
                run.Kill(entireProcessTree: true);
            }

            await ExternalProgram.RunAsync(podman, ["rm", "-f", name], TimeSpan.FromSeconds(60), CancellationToken.None);
            await ExternalProgram.RunAsync(podman, ["volume", "rm", "-f", volume], TimeSpan.FromSeconds(60), CancellationToken.None);
            run.Dispose();
        }
    }

    private static Process StartRun(string bash, string name, string volume, int port)
    {
        var start = new ProcessStartInfo(bash)
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "deploy/run-image.sh", "--port", port.ToString(CultureInfo.InvariantCulture), "--name", name, "--volume", volume, "--image", Image })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KILN_TOKEN"] = Token;
        var process = Process.Start(start)!;
        // Read (and drop) what it writes, so a full pipe never blocks the container's log.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<JsonElement> WaitForReadyAsync(HttpClient http, Process run, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(run.HasExited, $"run-image.sh exited with {(run.HasExited ? run.ExitCode : 0)} before Kiln was ready");
            try
            {
                using var response = await http.GetAsync("/readyz", cancellationToken);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                last = body.ToString();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "sandbox").GetProperty("data");
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        throw new TimeoutException($"Kiln in the container was not ready within 2 minutes: {last}");
    }

    private static async Task<JsonElement> WaitForStatusAsync(HttpClient http, string projectId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", cancellationToken);
            if (status.GetProperty("status").GetString() is not ("queued" or "generating") || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The last of what Kiln logged in the container, for a failure's message.</summary>
    private static async Task<string> LogsAsync(string container)
    {
        var logs = await ExternalProgram.RunAsync("podman", ["logs", "--tail", "60", container], TimeSpan.FromSeconds(30), CancellationToken.None);
        return Tail(logs.Output + logs.Errors);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
