using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;

namespace Kiln.Bench;

/// <summary>
/// What the fleet on Orleans does when it matters (issue 19): how long a project is unavailable after its owner is
/// killed (kill -9) until a survivor serves its preview, and where new projects go when every prompt reaches one
/// instance: placement by load (the candidate) against placement on the instance asked (the baseline,
/// <c>Kiln:Fleet:Placement=Local</c>, as before). Three instances on one Redis and one projects root, offline generations of a static app.
/// </summary>
public static class FleetPlacement
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Kiln:Agent:Offline:AppStack"] = "static",
    };

    public sealed record Takeover(int Samples, IReadOnlyList<TimeSpan> Times)
    {
        public override string ToString()
        {
            var sorted = Times.Order().ToList();
            return string.Create(
                CultureInfo.InvariantCulture,
                $"{"takeover: kill -9 of a ready project's owner until a survivor serves its preview",-52} n={Samples,-4} median {sorted[sorted.Count / 2].TotalMilliseconds,9:F0} ms   min {sorted[0].TotalMilliseconds:F0} ms   max {sorted[^1].TotalMilliseconds:F0} ms   target < 10000 ms");
        }
    }

    public sealed record Spread(int Projects, int Rounds, IReadOnlyList<int[]> Candidate, IReadOnlyList<int[]> Baseline)
    {
        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"{$"placement: {Projects} new projects posted to instance 0 (per instance)",-52} n={Rounds,-4} candidate (load) {Show(Candidate)}   baseline (local) {Show(Baseline)}   target: candidate on >= 2 instances");

        private static string Show(IReadOnlyList<int[]> rounds) => string.Join(" | ", rounds.Select(counts => string.Join("/", counts)));
    }

    /// <summary>Each sample: a new fleet, one project generated and ready, its owner killed, a survivor polled every 50 ms.</summary>
    public static async Task<Takeover> TakeoverAsync(int samples)
    {
        await using var redis = await RedisServer.StartAsync();
        var times = new List<TimeSpan>();
        for (var i = 0; i < samples; i++)
        {
            await using var fleet = await KilnFleet.StartAsync(typeof(KilnServices).Assembly.Location, 3, redis.Configuration, Settings);
            using var nginx = new HttpClient { BaseAddress = fleet.Nginx.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            var projectId = await GenerateAsync(nginx, "a page that moves");
            await WaitReadyAsync(nginx, projectId);
            var owner = await OwnerAsync(nginx, projectId);
            var ids = await Task.WhenAll(fleet.Instances.Select(InstanceIdAsync));
            var ownerIndex = Array.IndexOf(ids, owner);
            var survivor = fleet.Instances[(ownerIndex + 1) % fleet.Instances.Count];
            if (await PreviewAsync(survivor.BaseAddress, fleet.Nginx.Port, projectId) != HttpStatusCode.OK)
            {
                throw new InvalidOperationException("The preview was not served before the owner was killed.");
            }

            await fleet.Instances[ownerIndex].KillAsync();
            var killed = Stopwatch.StartNew();
            while (await PreviewAsync(survivor.BaseAddress, fleet.Nginx.Port, projectId) != HttpStatusCode.OK)
            {
                if (killed.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"No survivor served the preview within 60 s:\n{fleet.Output}");
                }

                await Task.Delay(50);
            }

            times.Add(killed.Elapsed);
        }

        return new Takeover(samples, times);
    }

    /// <summary>Each round: a fleet per placement mode, <paramref name="projects"/> prompts posted one after another to instance 0.</summary>
    public static async Task<Spread> SpreadAsync(int projects, int rounds)
    {
        await using var redis = await RedisServer.StartAsync();
        var candidate = new List<int[]>();
        var baseline = new List<int[]>();
        for (var i = 0; i < rounds; i++)
        {
            candidate.Add(await SpreadOnceAsync(redis, "Load", projects));
            baseline.Add(await SpreadOnceAsync(redis, "Local", projects));
        }

        return new Spread(projects, rounds, candidate, baseline);
    }

    private static async Task<int[]> SpreadOnceAsync(RedisServer redis, string placement, int projects)
    {
        await using var fleet = await KilnFleet.StartAsync(
            typeof(KilnServices).Assembly.Location, 3, redis.Configuration, new Dictionary<string, string>(Settings) { ["Kiln:Fleet:Placement"] = placement });
        using var first = new HttpClient { BaseAddress = fleet.Instances[0].BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        await WaitForLoadsAsync(first);
        var ids = await Task.WhenAll(fleet.Instances.Select(InstanceIdAsync));
        var counts = new int[ids.Length];
        for (var i = 0; i < projects; i++)
        {
            var projectId = await GenerateAsync(first, $"a counter number {i}");
            counts[Array.IndexOf(ids, await OwnerAsync(first, projectId))]++;
        }

        return counts;
    }

    /// <summary>Until the instance sees every instance's load: placement passes over those it has no figures for.</summary>
    private static async Task WaitForLoadsAsync(HttpClient client)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await client.GetFromJsonAsync<JsonElement>("/api/fleet", deadline.Token)).GetProperty("instances").EnumerateArray()
               .Count(m => m.GetProperty("load").ValueKind == JsonValueKind.Object) < 3)
        {
            await Task.Delay(200, deadline.Token);
        }
    }

    private static async Task<string> GenerateAsync(HttpClient client, string prompt)
    {
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString()!;
    }

    private static async Task WaitReadyAsync(HttpClient client, string projectId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while ((await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", deadline.Token)).GetProperty("status").GetString() is var status && status != "ready")
        {
            if (status is "failed" or "cancelled" or "interrupted")
            {
                throw new InvalidOperationException($"The generation ended {status}.");
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private static async Task<string> OwnerAsync(HttpClient client, string projectId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status")).GetProperty("instance").GetString()
        ?? throw new InvalidOperationException($"No instance owns {projectId}.");

    private static async Task<string> InstanceIdAsync(Kiln.Testing.KilnProcess instance)
    {
        using var client = new HttpClient { BaseAddress = instance.BaseAddress };
        using var response = await client.GetAsync("/healthz");
        return response.Headers.GetValues("Kiln-Instance").Single();
    }

    /// <summary>GET / of the project's preview origin, sent to one instance with the host nginx's clients use.</summary>
    private static async Task<HttpStatusCode> PreviewAsync(Uri address, int nginxPort, string projectId)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(15) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = $"p-{projectId}.localhost:{nginxPort}";
        request.Headers.Accept.ParseAdd("text/html");
        try
        {
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return HttpStatusCode.ServiceUnavailable;
        }
    }
}
