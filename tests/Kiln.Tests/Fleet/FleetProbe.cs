using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Events;
using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Testing;
using StackExchange.Redis;

namespace Kiln.Tests.Fleet;

/// <summary>What the fleet's end-to-end tests ask a <see cref="KilnFleet"/>, the way its clients do; and what its store holds, read directly.</summary>
internal static class FleetProbe
{
    public const string Token = "fleet-test-token";

    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);

    public static string KilnAssembly => typeof(Program).Assembly.Location;

    public static HttpClient Client(Uri baseAddress) => new()
    {
        BaseAddress = baseAddress,
        Timeout = WaitLimit,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Token) },
    };

    /// <summary>Posts a prompt (a follow-up when <paramref name="projectId"/> is set) and returns its project's id.</summary>
    public static async Task<string> GenerateAsync(HttpClient client, string prompt, string? projectId = null)
    {
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt, projectId }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/generate answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("projectId").GetString()!;
    }

    /// <summary>GET / of the project's preview origin, sent to <paramref name="address"/> with the preview host nginx's clients use.</summary>
    public static async Task<(HttpStatusCode Status, string Body, string? ServedBy)> PreviewAsync(Uri address, int nginxPort, string projectId)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = WaitLimit };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = $"p-{projectId}.localhost:{nginxPort}";
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ServedBy(response));
    }

    public static string? ServedBy(HttpResponseMessage response) =>
        response.Headers.TryGetValues(OwnerForwarding.InstanceHeader, out var values) ? values.Single() : null;

    /// <summary>The project's owner as its status names it, and which of the fleet's instances that is.</summary>
    public static async Task<(string Id, int Index)> OwnerAsync(KilnFleet fleet, string projectId)
    {
        using var client = Client(fleet.Nginx.BaseAddress);
        var status = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", TestContext.Current.CancellationToken);
        var owner = status.GetProperty("instance").GetString() ?? throw new InvalidOperationException($"No instance owns project {projectId}: {status}");
        for (var i = 0; i < fleet.Instances.Count; i++)
        {
            if (!fleet.Instances[i].HasExited && await InstanceIdAsync(fleet.Instances[i]) == owner)
            {
                return (owner, i);
            }
        }

        throw new InvalidOperationException($"Project {projectId} is owned by {owner}, which is none of the live instances.");
    }

    /// <summary>The instance's id, as it names itself on every response it serves.</summary>
    public static async Task<string> InstanceIdAsync(KilnProcess instance)
    {
        using var client = new HttpClient { BaseAddress = instance.BaseAddress, Timeout = WaitLimit };
        using var response = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);
        return ServedBy(response) ?? throw new InvalidOperationException($"{instance.BaseAddress} named no instance.");
    }

    /// <summary>Every event the fleet's store holds for the project, read from its Redis directly (no instance in between).</summary>
    public static async Task<List<ProjectEvent>> StoredEventsAsync(string redisConfiguration, KilnFleet fleet, string projectId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var keys = new RedisKeys(fleet.KeyPrefix);
        var store = new RedisEventStore(redis, new RedisEventKeys(keys), new RedisFence(new ProjectFence(), keys));
        return await store.ReadAsync(projectId, 0, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> past <paramref name="within"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {within}: {what}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
