using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;

namespace Kiln.Bench;

/// <summary>
/// 20 offline generations posted at once: to three instances behind nginx (one Redis store, one projects root)
/// against one instance on its own, on SQLite (as Kiln runs by default) and on the same Redis. Each sample is the time until all 20 are
/// ready; the ratio of the two is the inverse of the fleet's throughput gain.
/// </summary>
public static class FleetThroughput
{
    private const int Generations = 20;

    public static async Task<IReadOnlyList<Measurement.Result>> RunAsync(int samples)
    {
        await using var redis = await RedisServer.StartAsync();
        var quiet = new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        };
        await using var fleet = await KilnFleet.StartAsync(typeof(KilnServices).Assembly.Location, 3, redis.Configuration, quiet);
        await using var single = await KilnProcess.StartAsync(quiet);
        // The same store as the fleet's, to tell what the instances bring from what Redis brings.
        await using var singleOnRedis = await KilnProcess.StartAsync(new Dictionary<string, string>(quiet)
        {
            ["Kiln:Store"] = "redis",
            ["Kiln:Redis:Configuration"] = redis.Configuration,
            ["Kiln:Redis:KeyPrefix"] = RedisServer.NewPrefix(),
        });

        var againstDefault = await Measurement.CompareAsync(
            $"{Generations} generations at once: 3 instances + nginx vs 1 (SQLite)",
            samples,
            () => GenerateAllAsync(fleet.Nginx.BaseAddress),
            () => GenerateAllAsync(single.BaseAddress),
            target: "report (1/ratio = throughput gain)");
        var againstRedis = await Measurement.CompareAsync(
            $"{Generations} generations at once: 3 instances + nginx vs 1 (Redis)",
            samples,
            () => GenerateAllAsync(fleet.Nginx.BaseAddress),
            () => GenerateAllAsync(singleOnRedis.BaseAddress),
            target: "report (1/ratio = throughput gain)");
        return [againstDefault, againstRedis];
    }

    private static async Task GenerateAllAsync(Uri baseAddress)
    {
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var posts = Enumerable.Range(0, Generations).Select(async i =>
        {
            using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = $"a todo list number {i}" });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString()!;
        });
        var waiting = (await Task.WhenAll(posts)).ToHashSet(StringComparer.Ordinal);

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (waiting.Count > 0)
        {
            await Task.Delay(50, deadline.Token);
            foreach (var project in (await client.GetFromJsonAsync<JsonElement>("/api/projects", deadline.Token)).EnumerateArray())
            {
                var status = project.GetProperty("status").GetString();
                if (status is "failed" or "cancelled" or "interrupted")
                {
                    throw new InvalidOperationException($"Generation {project.GetProperty("projectId").GetString()} on {baseAddress} ended {status}.");
                }

                if (status == "ready")
                {
                    waiting.Remove(project.GetProperty("projectId").GetString()!);
                }
            }
        }
    }
}
