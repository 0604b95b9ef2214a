using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Kiln.Fleet;
using Kiln.Testing;

namespace Kiln.Tests.Operations;

/// <summary>
/// The fleet of deploy/compose.yaml as a person starts it: deploy/compose-up.sh (redis, nginx and three Kiln instances
/// in containers, each an Orleans silo reached by its service's name, each on a volume of its own), used through nginx's
/// published port.
/// </summary>
[Collection(ContainerEngine.Name)]
public sealed class ComposeFleetTests
{
    private const string Image = "localhost/kiln:test";
    private const string Token = "compose-fleet-test-token";
    private static readonly string Root = ContainerEngine.RepositoryRoot();

    [Fact]
    [Slow]
    public async Task The_compose_fleet_generates_through_nginx_and_a_survivor_serves_the_app_from_its_own_volume_when_the_owners_container_is_killed()
    {
        var podman = Requires.Program("podman", "apt-get install -y podman runc mmdebstrap");
        Requires.Program("podman-compose", "apt-get install -y podman-compose");
        var bash = Requires.Program("bash", "apt-get install -y bash");
        var cancellationToken = TestContext.Current.CancellationToken;
        var build = await ExternalProgram.RunAsync(
            bash, ["deploy/build-image.sh", "--tag", Image], TimeSpan.FromMinutes(40), cancellationToken, Root);
        Assert.True(build.ExitCode == 0, $"build-image.sh exited with {build.ExitCode}:\n{Tail(build.Output + build.Errors)}");

        var project = $"kiln-test-{Guid.NewGuid().ToString("N")[..8]}";
        var port = FreePort();
        var environment = new Dictionary<string, string?>
        {
            ["KILN_COMPOSE_PROJECT"] = project,
            ["KILN_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["KILN_IMAGE"] = Image,
            ["KILN_TOKEN"] = Token,
            ["KILN_OFFLINE_APP_STACK"] = "static",
            // Without the restart policy a killed instance stays dead, so the fleet is seen without it.
            ["KILN_RESTART"] = "no",
            ["ANTHROPIC_API_KEY"] = null,
        };
        ProgramResult down;
        try
        {
            var up = await ExternalProgram.RunAsync(bash, ["deploy/compose-up.sh", "up"], TimeSpan.FromMinutes(15), cancellationToken, Root, environment);
            Assert.True(up.ExitCode == 0, $"compose-up.sh exited with {up.ExitCode}:\n{Tail(up.Output + up.Errors)}");

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

            // nginx takes turns: every instance has answered /readyz through it, with its sandbox isolated.
            var ready = await WaitForEveryInstanceReadyAsync(http, cancellationToken);
            Assert.Equal(["kiln-1", "kiln-2", "kiln-3"], ready.Keys.Order(StringComparer.Ordinal));
            foreach (var (instance, sandbox) in ready)
            {
                Assert.True(sandbox.GetProperty("isolated").GetBoolean(), $"The sandbox of {instance} is not isolated: {sandbox}");
            }

            // Ready is each instance on its own; the cluster has all three once each has seen the others join.
            Assert.Equal(["kiln-1", "kiln-2", "kiln-3"], await WaitForFleetAsync(http, ["kiln-1", "kiln-2", "kiln-3"], cancellationToken));

            var generate = await http.PostAsJsonAsync("/api/generate", new { prompt = "a todo list" }, cancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, generate.StatusCode);
            var projectId = (await generate.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("projectId").GetString()!;
            var status = await WaitForStatusAsync(http, projectId, cancellationToken);
            Assert.True(status.GetProperty("status").GetString() == "ready", $"The generation did not end ready: {status}");
            var owner = status.GetProperty("instance").GetString()!;

            // The app's page, through nginx: served by the owner (forwarded when nginx picked another instance).
            var page = await http.GetStringAsync($"/api/projects/{projectId}/files/index.html", cancellationToken);

            // kill -9 of the owner's container: nginx skips it, the cluster declares it dead, and a survivor takes the
            // project over from its own volume, restoring the replica the owner wrote at its version.
            var kill = await ExternalProgram.RunAsync(podman, ["kill", "--signal", "KILL", $"{project}_{owner}_1"], TimeSpan.FromSeconds(30), cancellationToken);
            Assert.True(kill.ExitCode == 0, $"podman kill: {kill.Errors}");
            var survivors = new[] { "kiln-1", "kiln-2", "kiln-3" }.Where(name => name != owner).ToArray();
            Assert.Equal(survivors, await WaitForFleetAsync(http, survivors, cancellationToken));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            string? served = null;
            while (served != page && DateTime.UtcNow < deadline)
            {
                using var file = await http.GetAsync($"/api/projects/{projectId}/files/index.html", cancellationToken);
                served = file.IsSuccessStatusCode ? await file.Content.ReadAsStringAsync(cancellationToken) : null;
                if (served != page)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
            }

            Assert.True(served == page, "No survivor served the app's page from its own volume within 30 s of the owner's kill.");
            // Round robin over what is left: every request is answered, by a survivor, with the project as it was.
            for (var i = 0; i < 6; i++)
            {
                using var answer = await http.GetAsync($"/api/projects/{projectId}/status", cancellationToken);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Contains(answer.Headers.GetValues(OwnerForwarding.InstanceHeader).Single(), survivors);
                var now = await answer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                Assert.Equal("ready", now.GetProperty("status").GetString());
                Assert.Contains(now.GetProperty("instance").GetString(), survivors);
                Assert.Equal(page, await http.GetStringAsync($"/api/projects/{projectId}/files/index.html", cancellationToken));
            }
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{await ContainersAsync(podman, project, CancellationToken.None)}", exception);
        }
        finally
        {
            down = await ExternalProgram.RunAsync(bash, ["deploy/compose-up.sh", "down", "-v"], TimeSpan.FromMinutes(10), CancellationToken.None, Root, environment);
        }

        // Down stops what is left and removes the fleet's volumes with it.
        Assert.True(down.ExitCode == 0, $"compose-up.sh down exited with {down.ExitCode}:\n{Tail(down.Output + down.Errors)}");
        var volumes = await ExternalProgram.RunAsync(podman, ["volume", "ls", "--format", "{{.Name}}"], TimeSpan.FromSeconds(30), cancellationToken);
        Assert.DoesNotContain(volumes.Output.Split('\n'), volume => volume.StartsWith(project, StringComparison.Ordinal));
    }

    private static async Task<Dictionary<string, JsonElement>> WaitForEveryInstanceReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var ready = new Dictionary<string, JsonElement>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        string last = "no answer";
        while (ready.Count < 3 && DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/readyz", cancellationToken);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
                if (response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues(OwnerForwarding.InstanceHeader, out var instance))
                {
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    ready[instance.Single()] = body.GetProperty("checks").EnumerateArray()
                        .Single(c => c.GetProperty("name").GetString() == "sandbox").GetProperty("data");
                    continue;
                }
            }
            catch (HttpRequestException exception)
            {
                last = exception.Message;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        if (ready.Count < 3)
        {
            throw new TimeoutException(
                $"Only [{string.Join(", ", ready.Keys)}] answered /readyz through nginx within 3 minutes; last: {last}");
        }

        return ready;
    }

    /// <summary>What each of the fleet's containers is doing and the end of its log, for a failure's message.</summary>
    private static async Task<string> ContainersAsync(string podman, string project, CancellationToken cancellationToken)
    {
        var ps = await ExternalProgram.RunAsync(
            podman, ["ps", "-a", "--filter", $"label=io.podman.compose.project={project}", "--format", "{{.Names}} {{.Status}}"],
            TimeSpan.FromSeconds(30), cancellationToken);
        var report = new System.Text.StringBuilder(ps.Output);
        foreach (var service in new[] { "redis", "kiln-1", "kiln-2", "kiln-3", "nginx" })
        {
            var logs = await ExternalProgram.RunAsync(podman, ["logs", "--tail", "15", $"{project}_{service}_1"], TimeSpan.FromSeconds(30), cancellationToken);
            report.Append(CultureInfo.InvariantCulture, $"--- {service}\n{Tail(logs.Output + logs.Errors)}\n");
        }

        return report.ToString();
    }

    /// <summary>The instances <c>GET /api/fleet</c> lists through nginx, once they are <paramref name="expected"/> or a minute has passed.</summary>
    private static async Task<string[]> WaitForFleetAsync(HttpClient http, string[] expected, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var fleet = await http.GetFromJsonAsync<JsonElement>("/api/fleet", cancellationToken);
            var members = fleet.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray();
            if (members.SequenceEqual(expected) || DateTime.UtcNow > deadline)
            {
                return members;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
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

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
