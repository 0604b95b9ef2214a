using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Events;
using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kiln.Tests.Operations;

/// <summary>
/// The cleanup policy on a real Kiln whose clock is a FakeTimeProvider: it removes idle projects past each limit (the
/// least recently used past MaxProjects, the largest past MaxDiskBytes), and never a pinned or a generating one.
/// </summary>
public sealed class CleanupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_pass_removes_idle_projects_past_MaxAge_and_never_a_pinned_or_generating_one()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.Hanging);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var kiln = Start(clock, new()
        {
            ["Kiln:Cleanup:MaxAge"] = "7.00:00:00",
            ["Anthropic:ApiKey"] = "sk-test",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Runtime"] = "builtin",
        });

        // Generating since the start, which is thirty days ago by the time the policy runs.
        var generating = await kiln.GenerateAsync("an app that takes a month");
        await kiln.WaitForStatusAsync(generating, Timeout, "generating");
        clock.Advance(TimeSpan.FromDays(30));

        var old = await CreateProjectAsync(kiln, clock, TimeSpan.FromDays(20));
        var pinned = await CreateProjectAsync(kiln, clock, TimeSpan.FromDays(20));
        var published = await CreateProjectAsync(kiln, clock, TimeSpan.FromDays(20));
        var recent = await CreateProjectAsync(kiln, clock, TimeSpan.FromDays(1));
        using var client = kiln.Client();
        using (var pin = await client.PostAsync($"/api/projects/{pinned}/pin", null))
        {
            Assert.Equal(HttpStatusCode.OK, pin.StatusCode);
        }

        // A published site is a promise to whoever has its URL: the project behind it stays, however idle.
        var workspace = kiln.Services.GetRequiredService<ProjectWorkspace>();
        await File.WriteAllTextAsync(Path.Combine(workspace.AppDirectory(published), "index.html"), "<h1>Live</h1>", TestContext.Current.CancellationToken);
        using (var publish = await client.PostAsync($"/api/projects/{published}/publish", null))
        {
            Assert.Equal(HttpStatusCode.Created, publish.StatusCode);
        }

        var removed = await Cleanup(kiln).RunOnceAsync(CancellationToken.None);

        var removal = Assert.Single(removed);
        Assert.Equal(old, removal.ProjectId);
        Assert.Contains("MaxAge", removal.Reason, StringComparison.Ordinal);
        await AssertRemovedAsync(kiln, old);
        foreach (var kept in new[] { pinned, published, recent, generating })
        {
            using var response = await client.GetAsync($"/api/projects/{kept}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal("generating", (await kiln.StatusAsync(generating)).GetProperty("status").GetString());
        Assert.Contains(kiln.Log.Entries, entry => entry.Message.Contains($"Removed project {old}", StringComparison.Ordinal) && entry.Message.Contains("MaxAge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_policy_runs_on_its_interval_by_the_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var kiln = Start(clock, new() { ["Kiln:Cleanup:MaxAge"] = "7.00:00:00", ["Kiln:Cleanup:Interval"] = "01:00:00" });
        var old = await CreateProjectAsync(kiln, clock, TimeSpan.FromDays(8));
        var recent = await CreateProjectAsync(kiln, clock, TimeSpan.FromDays(1));
        var cleanup = Cleanup(kiln);
        var passes = cleanup.CompletedPasses;

        // No pass before the clock moves; then one per interval. The timer may be created just after Kiln starts,
        // so the clock moves an interval at a time until a pass has run.
        Assert.NotNull(await kiln.Services.GetRequiredService<IProjectStore>().GetAsync(old, CancellationToken.None));
        using var deadline = new CancellationTokenSource(Timeout);
        while (cleanup.CompletedPasses == passes)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await Task.Delay(20, deadline.Token);
        }

        await AssertRemovedAsync(kiln, old);
        Assert.NotNull(await kiln.Services.GetRequiredService<IProjectStore>().GetAsync(recent, CancellationToken.None));
    }

    [Fact]
    public async Task MaxProjects_removes_the_least_recently_used_and_a_preview_visit_counts_as_use()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var kiln = Start(clock, new() { ["Kiln:Cleanup:MaxProjects"] = "3" });
        var pinnedOldest = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(10), pinned: true);
        var visited = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(5));
        var fourHours = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(4));
        var threeHours = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(3));
        var twoHours = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(2));
        var oneHour = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(1));

        // Someone opens the oldest unpinned project's preview: it is now the most recently used.
        using var client = kiln.Client();
        using var visit = new HttpRequestMessage(HttpMethod.Get, "/");
        visit.Headers.Host = $"p-{visited}.localhost:{kiln.BaseAddress.Port}";
        (await client.SendAsync(visit)).Dispose();

        var removed = await Cleanup(kiln).RunOnceAsync(CancellationToken.None);

        // Six projects, three allowed: the three least recently used that may go, oldest first.
        Assert.Equal([fourHours, threeHours, twoHours], removed.Select(r => r.ProjectId));
        Assert.All(removed, r => Assert.Contains("MaxProjects", r.Reason, StringComparison.Ordinal));
        foreach (var gone in new[] { fourHours, threeHours, twoHours })
        {
            await AssertRemovedAsync(kiln, gone);
        }

        var left = (await kiln.Services.GetRequiredService<IProjectStore>().ListAsync(CancellationToken.None)).Select(p => p.Id).Order();
        Assert.Equal(new[] { pinnedOldest, visited, oneHour }.Order(), left);
        // The visit was written down, so a restart would not forget it.
        Assert.Equal(clock.GetUtcNow(), (await kiln.Services.GetRequiredService<IProjectStore>().GetAsync(visited, CancellationToken.None))!.LastUsedAt);
    }

    [Fact]
    public async Task MaxDiskBytes_removes_the_largest_idle_projects_until_the_projects_fit()
    {
        const int megabyte = 1_000_000;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var kiln = Start(clock, new() { ["Kiln:Cleanup:MaxDiskBytes"] = (4 * megabyte).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var pinnedLargest = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(5), pinned: true, bytes: 3 * megabyte);
        var oldestSmall = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(4), bytes: megabyte / 2);
        var large = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(1), bytes: 2 * megabyte);
        var medium = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(2), bytes: megabyte);
        var newestSmall = await CreateProjectAsync(kiln, clock, TimeSpan.FromHours(1), bytes: megabyte / 2);

        var removed = await Cleanup(kiln).RunOnceAsync(CancellationToken.None);

        // 7 MB is 3 MB too many: the largest idle projects go, though used more recently than the small ones, and
        // 4 MB are left. By least recent use, three would have gone, the small ones for nothing.
        Assert.Equal([large, medium], removed.Select(r => r.ProjectId));
        Assert.All(removed, r => Assert.Contains("MaxDiskBytes", r.Reason, StringComparison.Ordinal));
        await AssertRemovedAsync(kiln, large);
        await AssertRemovedAsync(kiln, medium);
        foreach (var kept in new[] { pinnedLargest, oldestSmall, newestSmall })
        {
            Assert.True(Directory.Exists(Path.Combine(kiln.ProjectsRoot, kept)));
        }

        // Within the limit now: the next pass removes nothing.
        Assert.Empty(await Cleanup(kiln).RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Pin_and_unpin_show_in_the_project_and_an_unknown_project_is_a_404_problem()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();

        using (var pin = await client.PostAsync($"/api/projects/{projectId}/pin", null))
        {
            Assert.True((await pin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pinned").GetBoolean());
        }

        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}");
        Assert.True(project.GetProperty("project").GetProperty("pinned").GetBoolean());
        var listed = await client.GetFromJsonAsync<JsonElement>("/api/projects");
        Assert.True(listed.EnumerateArray().Single(p => p.GetProperty("projectId").GetString() == projectId).GetProperty("pinned").GetBoolean());

        using (var unpin = await client.DeleteAsync($"/api/projects/{projectId}/pin"))
        {
            Assert.Equal(HttpStatusCode.OK, unpin.StatusCode);
        }

        Assert.False((await kiln.StatusAsync(projectId)).GetProperty("pinned").GetBoolean());

        using var unknown = await client.PostAsync("/api/projects/aaaaaaaaaaaa/pin", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Cleanup_options_are_validated_at_start()
    {
        var failure = Assert.ThrowsAny<Exception>(() => KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Cleanup:MaxProjects"] = "0" }));
        Assert.Contains("MaxProjects", failure.ToString(), StringComparison.Ordinal);
        var interval = Assert.ThrowsAny<Exception>(() => KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Cleanup:Interval"] = "00:00:00" }));
        Assert.Contains("Interval", interval.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_a_fleet_a_pass_removes_only_what_its_instance_owns_and_lets_the_project_go()
    {
        var redis = await SharedRedis.GetAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var settings = new Dictionary<string, string?>
        {
            ["Kiln:Cleanup:MaxAge"] = "7.00:00:00",
            ["Kiln:Store"] = "redis",
            ["Kiln:Redis:Configuration"] = redis.Configuration,
            ["Kiln:Redis:KeyPrefix"] = RedisServer.NewPrefix(),
        };
        await using var a = Start(clock, new Dictionary<string, string?>(settings) { ["Kiln:Fleet:InstanceId"] = "cleanup-a" });
        await using var b = KilnApp.Start(
            new Dictionary<string, string?>(settings) { ["Kiln:Fleet:InstanceId"] = "cleanup-b" },
            projectsRoot: a.ProjectsRoot,
            services: services => services.AddSingleton<TimeProvider>(clock));
        var ofA = await CreateProjectAsync(a, clock, TimeSpan.FromDays(20));
        var ofB = await CreateProjectAsync(b, clock, TimeSpan.FromDays(20));
        await a.Services.GetRequiredService<ProjectOwnership>().ClaimNewAsync(ofA, CancellationToken.None);
        await b.Services.GetRequiredService<ProjectOwnership>().ClaimNewAsync(ofB, CancellationToken.None);
        var placement = a.Services.GetRequiredService<ProjectOwnership>();
        Assert.Equal("cleanup-b", await placement.OwnerAsync(ofB, CancellationToken.None));
        Assert.True(a.Services.GetRequiredService<LocalProjects>().Contains(ofA));

        // A's pass sees both old projects in the shared list, and removes only its own.
        var removedByA = await Cleanup(a).RunOnceAsync(CancellationToken.None);

        Assert.Equal([ofA], removedByA.Select(removal => removal.ProjectId));
        await AssertRemovedAsync(a, ofA);
        await AssertLetGoAsync(a, ofA);
        Assert.True(Directory.Exists(Path.Combine(a.ProjectsRoot, ofB)));
        Assert.Equal("cleanup-b", await placement.OwnerAsync(ofB, CancellationToken.None));

        // B's own pass removes B's, and lets the project go at once.
        var removedByB = await Cleanup(b).RunOnceAsync(CancellationToken.None);

        Assert.Equal([ofB], removedByB.Select(removal => removal.ProjectId));
        await AssertRemovedAsync(b, ofB);
        await AssertLetGoAsync(b, ofB);
    }

    /// <summary>The removed project's grain on its owner deactivates (Orleans finishes that just after the removal returns).</summary>
    private static async Task AssertLetGoAsync(KilnApp owner, string projectId)
    {
        var here = owner.Services.GetRequiredService<LocalProjects>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (here.Contains(projectId))
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    private static KilnApp Start(FakeTimeProvider clock, Dictionary<string, string?> settings) =>
        KilnApp.Start(settings, services: services => services.AddSingleton<TimeProvider>(clock));

    private static ProjectCleanup Cleanup(KilnApp kiln) => kiln.Services.GetRequiredService<ProjectCleanup>();

    /// <summary>A ready project last used <paramref name="age"/> ago by Kiln's clock, with a file of <paramref name="bytes"/> in its app.</summary>
    private static async Task<string> CreateProjectAsync(KilnApp kiln, FakeTimeProvider clock, TimeSpan age, bool pinned = false, int bytes = 0)
    {
        var projectId = ProjectIds.New();
        var workspace = kiln.Services.GetRequiredService<ProjectWorkspace>();
        workspace.Create(projectId);
        if (bytes > 0)
        {
            await File.WriteAllBytesAsync(Path.Combine(workspace.AppDirectory(projectId), "blob.bin"), new byte[bytes]);
        }

        var at = clock.GetUtcNow() - age;
        await kiln.Services.GetRequiredService<IProjectStore>().CreateAsync(new Project
        {
            Id = projectId,
            Status = ProjectStatus.Ready,
            Prompts = [new ProjectPrompt("made for a cleanup test", at)],
            CreatedAt = at,
            UpdatedAt = at,
            Runtime = "builtin",
            Model = "none",
            Pinned = pinned,
        }, CancellationToken.None);
        await kiln.Services.GetRequiredService<EventLog>().AppendAsync(projectId, new StatusChanged(ProjectStatus.Ready), CancellationToken.None);
        return projectId;
    }

    /// <summary>Gone the way DELETE removes a project: no metadata, no events, no directory.</summary>
    private static async Task AssertRemovedAsync(KilnApp kiln, string projectId)
    {
        using var client = kiln.Client();
        using var response = await client.GetAsync($"/api/projects/{projectId}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(kiln.ProjectsRoot, projectId)));
        await foreach (var _ in kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, CancellationToken.None))
        {
            Assert.Fail($"Project {projectId} still has events.");
        }
    }
}
