using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Fleet;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using static Kiln.Tests.Fleet.FleetProbe;

namespace Kiln.Tests.Fleet;

/// <summary>
/// Three Kiln processes on one Redis store, each on its own projects root (one shared where a test says why), behind a real nginx configured from
/// deploy/nginx/kiln.conf: a fleet as the README sets one up (each instance an Orleans silo, the cluster in that
/// Redis), used the way clients use it.
/// </summary>
[Slow]
public sealed class FleetTests
{
    private static readonly TimeSpan Timeout = WaitLimit;

    [Fact]
    public async Task A_prompt_through_nginx_is_built_and_its_events_files_and_preview_reach_every_instance()
    {
        var redis = await SharedRedis.GetAsync();
        Requires.Nginx();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var fleet = await KilnFleet.StartAsync(
            KilnAssembly, 3, redis.Configuration, new Dictionary<string, string> { ["Kiln:Auth:Token"] = Token }, cancellationToken: cancellationToken);
        try
        {
            using var nginx = Client(fleet.Nginx.BaseAddress);
            var projectId = await GenerateAsync(nginx, "a todo list for the fleet");

            // One stream through nginx and one straight at each instance: whichever instance runs the generation,
            // every other one relays its events, in order, with no gap.
            var streams = await Task.WhenAll(
                new[] { fleet.Nginx.BaseAddress }.Concat(fleet.Instances.Select(i => i.BaseAddress))
                    .Select(address => ReadUntilFinishedAsync(address, projectId)));
            foreach (var events in streams)
            {
                Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
                Assert.Equal(streams[0].Select(e => e.GetRawText()), events.Select(e => e.GetRawText()));
            }

            Assert.Equal("ready", streams[0][^1].GetProperty("data").GetProperty("status").GetString());
            var status = await nginx.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", cancellationToken);
            Assert.Equal("ready", status.GetProperty("status").GetString());
            Assert.Equal($"http://p-{projectId}.localhost:{fleet.Nginx.Port}/", status.GetProperty("previewUrl").GetString());

            // The owner is the instance its project's grain is active on (the one that created it); the others forward to it.
            var (owner, ownerIndex) = await OwnerAsync(fleet, projectId);

            // Files and the preview are served by the owner, whichever instance a request reaches; what the store
            // holds is served where it lands.
            using var ownerClient = Client(fleet.Instances[ownerIndex].BaseAddress);
            var page = await ownerClient.GetStringAsync($"/api/projects/{projectId}/files/index.html", cancellationToken);
            var preview = await PreviewAsync(fleet.Instances[ownerIndex].BaseAddress, fleet.Nginx.Port, projectId);
            Assert.Equal((HttpStatusCode.OK, owner), (preview.Status, preview.ServedBy));
            foreach (var (address, index) in fleet.Instances.Select((i, index) => (i.BaseAddress, index)).Append((fleet.Nginx.BaseAddress, -1)))
            {
                using var client = Client(address);
                using var file = await client.GetAsync($"/api/projects/{projectId}/files/index.html", cancellationToken);
                Assert.Equal((HttpStatusCode.OK, page, owner), (file.StatusCode, await file.Content.ReadAsStringAsync(cancellationToken), ServedBy(file)));
                using var list = await client.GetAsync($"/api/projects/{projectId}/files", cancellationToken);
                Assert.Equal(owner, ServedBy(list));
                Assert.Contains((await list.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).EnumerateArray(), f => f.GetProperty("path").GetString() == "index.html");
                Assert.Equal(preview, await PreviewAsync(address, fleet.Nginx.Port, projectId));
                if (index >= 0)
                {
                    using var projectStatus = await client.GetAsync($"/api/projects/{projectId}/status", cancellationToken);
                    var servedBy = ServedBy(projectStatus);
                    Assert.NotNull(servedBy);
                    Assert.Equal(index == ownerIndex, servedBy == owner);
                    Assert.Equal(owner, (await projectStatus.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("instance").GetString());
                }
            }

            // Authentication still applies on the way to the owner: the token is forwarded as it came, never added.
            var other = fleet.Instances[(ownerIndex + 1) % 3].BaseAddress;
            using (var anonymous = new HttpClient { BaseAddress = other })
            {
                using var refused = await anonymous.GetAsync($"/api/projects/{projectId}/files/index.html", cancellationToken);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            // A request that was already forwarded is never forwarded again: one that reaches a non-owner is refused, not bounced.
            using var otherClient = Client(other);
            using var marked = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/files/index.html");
            marked.Headers.Add(OwnerForwarder.Header, "some-instance");
            using var loop = await otherClient.SendAsync(marked, cancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, loop.StatusCode);

            // Every instance sees the same fleet: the three of them, the owner with its project.
            var members = (await otherClient.GetFromJsonAsync<JsonElement>("/api/fleet", cancellationToken)).GetProperty("instances").EnumerateArray().ToList();
            Assert.Equal(
                (await Task.WhenAll(fleet.Instances.Select(InstanceIdAsync))).Order(StringComparer.Ordinal),
                members.Select(m => m.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
            Assert.True(members.Single(m => m.GetProperty("id").GetString() == owner).GetProperty("projects").GetInt32() >= 1);

            // A site published through nginx is served on its own origin by nginx and by every instance alike.
            using (var published = await nginx.PostAsync($"/api/projects/{projectId}/publish", content: null, cancellationToken))
            {
                Assert.True(published.StatusCode == HttpStatusCode.Created, await published.Content.ReadAsStringAsync(cancellationToken));
                var site = new Uri((await published.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("url").GetString()!);
                Assert.Equal($"s-{projectId}.localhost:{fleet.Nginx.Port}", site.Authority);
                var served = await SiteAsync(fleet.Nginx.BaseAddress, site.Authority);
                Assert.Equal(HttpStatusCode.OK, served.Status);
                Assert.Contains("<", served.Body, StringComparison.Ordinal);
                foreach (var instance in fleet.Instances)
                {
                    Assert.Equal(served, await SiteAsync(instance.BaseAddress, site.Authority));
                }
            }

            // kill -9 of the owner: a survivor serves the project within 10 s, from its own disk (restored from the replica).
            await fleet.Instances[ownerIndex].KillAsync();
            var killed = Stopwatch.StartNew();
            string? adopter = null;
            while (killed.Elapsed < TimeSpan.FromSeconds(30))
            {
                using var file = await otherClient.GetAsync($"/api/projects/{projectId}/files/index.html", cancellationToken);
                if (file.StatusCode == HttpStatusCode.OK)
                {
                    adopter = ServedBy(file);
                    Assert.Equal(page, await file.Content.ReadAsStringAsync(cancellationToken));
                    break;
                }

                await Task.Delay(100, cancellationToken);
            }

            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(10), $"The project was served again {killed.Elapsed} after its owner was killed.");
            Assert.NotNull(adopter);
            Assert.NotEqual(owner, adopter);
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    [Fact]
    public async Task Killing_the_owner_mid_generation_interrupts_it_and_another_instance_continues_the_project()
    {
        var redis = await SharedRedis.GetAsync();
        Requires.Nginx();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync();
        // The first prompt writes a file and then never gets its next answer; the follow-up is answered at once.
        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>kept</h1>" }), ScriptedReply.Hanging, ScriptedReply.EndTurn);
        await using var fleet = await KilnFleet.StartAsync(KilnAssembly, 3, redis.Configuration, new Dictionary<string, string>
        {
            ["Anthropic:ApiKey"] = "sk-test",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Runtime"] = "builtin",
        }, sharedDisk: true, cancellationToken: cancellationToken); // Files written after the last version survive the owner only on a shared disk.
        try
        {
            using var nginx = Client(fleet.Nginx.BaseAddress);
            var projectId = await GenerateAsync(nginx, "a page that outlives its instance");
            await model.WaitForRequestAsync(r => r.ToolResults.Count > 0, new CancellationTokenSource(Timeout).Token);
            Assert.Equal("generating", (await nginx.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", cancellationToken)).GetProperty("status").GetString());

            var (owner, ownerIndex) = await OwnerAsync(fleet, projectId);
            var dead = fleet.Instances[ownerIndex];
            await using (var watcher = new EventSubscriber(new Uri(fleet.Nginx.BaseAddress, $"/ws/{projectId}?after=0")))
            {
                // A client following the generation through nginx, from an instance that is not the owner or is: it sees it end either way.
                await watcher.ReadUntilAsync(Timeout, "file_created");
                await dead.KillAsync();

                // A live instance takes the project over once the cluster declares its owner dead, and says so in the event stream.
                var rest = await ReadUntilFinishedAsync(fleet.Nginx.BaseAddress, projectId, after: watcher.Received[^1].GetProperty("seq").GetInt64());
                Assert.Equal("interrupted", rest[^1].GetProperty("data").GetProperty("status").GetString());
            }

            var status = await nginx.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", cancellationToken);
            Assert.Equal("interrupted", status.GetProperty("status").GetString());

            // Nothing stored is lost: the events from 1 with no gap, the file the agent wrote, the prompt.
            var events = await ReadUntilFinishedAsync(fleet.Nginx.BaseAddress, projectId);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
            Assert.Contains(events, e => e.GetProperty("type").GetString() == "file_created");
            Assert.Single(events, e => e.GetProperty("type").GetString() == "status_changed" && e.GetProperty("data").GetProperty("status").GetString() == "interrupted");
            Assert.Equal("<h1>kept</h1>", await nginx.GetStringAsync($"/api/projects/{projectId}/files/index.html", cancellationToken));

            // A follow-up through nginx continues the project, and the conversation, on a live instance.
            await GenerateAsync(nginx, "now make it blue", projectId);
            var followUp = await model.WaitForRequestAsync(r => r.UserTexts.Contains("now make it blue"), new CancellationTokenSource(Timeout).Token);
            Assert.Contains("a page that outlives its instance", followUp.UserTexts);
            var finished = await ReadUntilFinishedAsync(fleet.Nginx.BaseAddress, projectId, after: events[^1].GetProperty("seq").GetInt64());
            Assert.Equal("ready", finished[^1].GetProperty("data").GetProperty("status").GetString());
            Assert.Equal(events.Count + 1, finished[0].GetProperty("seq").GetInt64());

            var (adopter, adopterIndex) = await OwnerAsync(fleet, projectId);
            Assert.NotEqual(owner, adopter);
            Assert.False(fleet.Instances[adopterIndex].HasExited);
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    /// <summary>The project's events over a WebSocket from <paramref name="address"/>, until its generation has a final status.</summary>
    private static async Task<List<JsonElement>> ReadUntilFinishedAsync(Uri address, string projectId, long after = 0)
    {
        await using var subscriber = new EventSubscriber(new Uri(address, $"/ws/{projectId}?after={after}&access_token={Token}"));
        using var deadline = new CancellationTokenSource(Timeout);
        while (await subscriber.NextAsync(deadline.Token) is { } next)
        {
            if (next.GetProperty("type").GetString() == "status_changed" &&
                next.GetProperty("data").GetProperty("status").GetString() is "ready" or "failed" or "cancelled" or "interrupted")
            {
                return subscriber.Received;
            }
        }

        throw new InvalidOperationException($"The stream from {address} closed before the generation finished: {string.Join(", ", subscriber.Received.Select(e => e.GetProperty("type").GetString()))}");
    }

    /// <summary>GET / of a published site, sent to <paramref name="address"/> with the site's host.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> SiteAsync(Uri address, string siteAuthority)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = siteAuthority;
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

}
