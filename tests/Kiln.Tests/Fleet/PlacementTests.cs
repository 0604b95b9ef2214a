using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Fleet;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using static Kiln.Tests.Fleet.FleetProbe;

namespace Kiln.Tests.Fleet;

/// <summary>
/// Placement by load across three Kiln processes on one real Redis (a fleet as <see cref="FleetTests"/> starts one):
/// prompts for new projects, all sent straight to one instance (not through nginx, which would spread them itself),
/// end up owned across the fleet, and never by a draining instance.
/// </summary>
[Slow]
public sealed class PlacementTests
{
    [Fact]
    public async Task Six_prompts_sent_to_one_instance_are_owned_by_at_least_two()
    {
        await using var fleet = await StartAsync(draining: null);
        try
        {
            var owners = await PromptAsync(fleet.Instances[0], 6);

            Assert.True(owners.Distinct().Count() >= 2, $"Every project went to one instance: {string.Join(", ", owners)}");
            var fleetAnswer = await GetFleetAsync(fleet.Instances[1]);
            Assert.All(fleetAnswer, member => Assert.True(member.GetProperty("load").ValueKind == JsonValueKind.Object, member.ToString()));
            Assert.All(fleetAnswer, member => Assert.Equal(1, member.GetProperty("load").GetProperty("weight").GetDouble()));
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    [Fact]
    public async Task A_draining_instance_gets_none_of_the_prompts_sent_to_it()
    {
        await using var fleet = await StartAsync(draining: 0);
        try
        {
            var drained = await InstanceIdAsync(fleet.Instances[0]);
            var owners = await PromptAsync(fleet.Instances[0], 6);

            Assert.DoesNotContain(drained, owners);
            Assert.Equal(2, owners.Distinct().Count());
            var member = (await GetFleetAsync(fleet.Instances[2])).Single(m => m.GetProperty("id").GetString() == drained);
            Assert.True(member.GetProperty("load").GetProperty("draining").GetBoolean());
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    [Fact]
    public async Task An_instance_stopping_on_SIGTERM_gets_no_new_project_while_it_finishes_its_generation()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        // The first generation never gets its answer, so its instance stays up draining until Kiln:ShutdownTimeout.
        model.Enqueue(ScriptedReply.Hanging, ScriptedReply.EndTurn, ScriptedReply.EndTurn, ScriptedReply.EndTurn, ScriptedReply.EndTurn);
        await using var fleet = await StartAsync(
            draining: null,
            new Dictionary<string, string> { ["Anthropic:ApiKey"] = "sk-test", ["Anthropic:BaseUrl"] = model.BaseUrl, ["Kiln:Agent:Runtime"] = "builtin" },
            // The hanging generation runs on instance 0: it keeps its own new projects.
            first: new Dictionary<string, string> { ["Kiln:Fleet:Placement"] = "Local" });
        try
        {
            var stopping = await InstanceIdAsync(fleet.Instances[0]);
            Assert.Equal([stopping], await PromptAsync(fleet.Instances[0], 1));
            await model.WaitForRequestAsync(_ => true, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

            fleet.Instances[0].Terminate();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!(await GetFleetAsync(fleet.Instances[1])).Any(m => m.GetProperty("id").GetString() == stopping && m.GetProperty("load") is { ValueKind: JsonValueKind.Object } load && load.GetProperty("draining").GetBoolean()))
            {
                await Task.Delay(100, deadline.Token);
            }

            // Still a member of the cluster (it has not stopped its silo), and still given none: every prompt is accepted elsewhere.
            var owners = await PromptAsync(fleet.Instances[1], 4);
            Assert.DoesNotContain(stopping, owners);
            Assert.False(fleet.Instances[0].HasExited, "The instance stopped before the prompts were placed: the test showed nothing.");
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    private static async Task<KilnFleet> StartAsync(int? draining, Dictionary<string, string>? settings = null, Dictionary<string, string>? first = null)
    {
        var redis = await SharedRedis.GetAsync();
        Requires.Nginx();
        var all = new Dictionary<string, string>(settings ?? []) { ["Kiln:Auth:Token"] = Token, ["Kiln:Agent:Offline:AppStack"] = "static" };
        var fleet = await KilnFleet.StartAsync(
            typeof(Program).Assembly.Location, 3, redis.Configuration, all,
            instanceSettings: i => new Dictionary<string, string>(i == 0 ? first ?? [] : []) { ["Kiln:Fleet:Draining"] = (i == draining) ? "true" : "false" },
            cancellationToken: TestContext.Current.CancellationToken);

        // Placement weighs only instances whose load is on the board: wait until every instance sees all three.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var instance in fleet.Instances)
        {
            while ((await GetFleetAsync(instance)).Count(m => m.GetProperty("load").ValueKind == JsonValueKind.Object) < 3)
            {
                await Task.Delay(200, deadline.Token);
            }
        }

        return fleet;
    }

    /// <summary>Sends <paramref name="count"/> prompts for new projects to <paramref name="instance"/>, one after another; the owner of each, as its status names it.</summary>
    private static async Task<List<string>> PromptAsync(KilnProcess instance, int count)
    {
        using var client = Client(instance.BaseAddress);
        var owners = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = $"a counter number {i}" }, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/generate answered {(int)response.StatusCode}: {body}");
            var projectId = JsonDocument.Parse(body).RootElement.GetProperty("projectId").GetString()!;
            var status = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", TestContext.Current.CancellationToken);
            var owner = status.GetProperty("instance").GetString()!;

            // The prompt was served where the project is owned.
            Assert.Equal(owner, response.Headers.GetValues(OwnerForwarding.InstanceHeader).Single());
            owners.Add(owner);
        }

        return owners;
    }

    private static async Task<List<JsonElement>> GetFleetAsync(KilnProcess instance)
    {
        using var client = Client(instance.BaseAddress);
        var fleet = await client.GetFromJsonAsync<JsonElement>("/api/fleet", TestContext.Current.CancellationToken);
        return [.. fleet.GetProperty("instances").EnumerateArray()];
    }

}
