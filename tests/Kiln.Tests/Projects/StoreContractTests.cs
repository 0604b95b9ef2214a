using System.Text.Json;
using Kiln.Agents;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Kiln.Tests.Projects;

/// <summary>
/// What every store promises, run against each backend: SQLite (the default) and a real Redis. "Two instances"
/// are two stores over two connections to the same database, as two Kiln processes would have.
/// </summary>
public sealed class StoreContractTests
{
    public static TheoryData<string> Backends => ["sqlite", "redis"];

    [Theory, MemberData(nameof(Backends))]
    public async Task A_created_project_reads_back_whole_from_either_instance(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var project = NewProject(DateTimeOffset.UtcNow) with
        {
            Status = ProjectStatus.Failed,
            SessionId = "session-1",
            Error = "It broke.",
            Usage = new TokenUsage(1200, 340),
            CostUsd = 0.0123m,
            PreviewUrl = "http://p-x.localhost:5300/",
            StartedAt = DateTimeOffset.UtcNow.AddSeconds(-3),
            FinishedAt = DateTimeOffset.UtcNow,
            Prompts = [new ProjectPrompt("first", DateTimeOffset.UtcNow.AddMinutes(-1)), new ProjectPrompt("second ✓ \"quoted\"\nline", DateTimeOffset.UtcNow)],
        };

        await stores.First.CreateAsync(project, Token);

        var read = await stores.Second.GetAsync(project.Id, Token);
        Assert.NotNull(read);
        Assert.Equal(Json(project), Json(read));
        Assert.Equal(project.Prompts, read.Prompts);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task An_unknown_project_is_absent_everywhere(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var unknown = ProjectIds.New();

        Assert.Null(await stores.First.GetAsync(unknown, Token));
        Assert.Null(await stores.First.UpdateAsync(unknown, project => project with { Error = "x" }, Token));
        Assert.False(await stores.First.DeleteAsync(unknown, Token));
        Assert.Empty(await stores.First.ReadEventsAsync(unknown, 0, Token).ToListAsync(Token));
        Assert.Empty(await stores.First.ListAsync(Token));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Creating_an_existing_id_fails_and_keeps_the_first(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var project = NewProject(DateTimeOffset.UtcNow);
        await stores.First.CreateAsync(project, Token);

        await Assert.ThrowsAnyAsync<Exception>(() => stores.Second.CreateAsync(project with { Model = "other" }, Token));

        Assert.Equal("test-model", (await stores.First.GetAsync(project.Id, Token))!.Model);
        Assert.Single(await stores.First.ListAsync(Token));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Creating_within_a_limit_never_overshoots_it_whichever_instance_creates(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var now = DateTimeOffset.UtcNow;

        // Twenty creations at once, from both instances, for three places.
        var created = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? stores.First : stores.Second).CreateWithinAsync(NewProject(now.AddTicks(i)), 3, Token)));

        Assert.Equal(3, created.Count(made => made));
        Assert.Equal(3, await stores.Second.CountAsync(Token));
        Assert.Equal(3, (await stores.First.ListAsync(Token)).Count);
        var existing = (await stores.First.ListAsync(Token))[0];
        await Assert.ThrowsAnyAsync<Exception>(() => stores.First.CreateWithinAsync(existing, 10, Token));

        Assert.True(await stores.First.DeleteAsync(existing.Id, Token));
        Assert.True(await stores.Second.CreateWithinAsync(NewProject(now), 3, Token));
        Assert.False(await stores.First.CreateWithinAsync(NewProject(now), 3, Token));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task The_list_is_newest_first_then_by_id(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var start = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        // Ties on the same instant, and instants apart by less than a millisecond.
        var created = new[]
        {
            NewProject(start, "aaaaaaaaaaaa"),
            NewProject(start.AddTicks(1), "bbbbbbbbbbbb"),
            NewProject(start.AddTicks(1), "aaaaaaaaaaab"),
            NewProject(start.AddDays(-1), "cccccccccccc"),
            NewProject(start.AddHours(1), "dddddddddddd"),
        };
        foreach (var (project, i) in created.Select((p, i) => (p, i)))
        {
            await (i % 2 == 0 ? stores.First : stores.Second).CreateAsync(project, Token);
        }

        var listed = await stores.Second.ListAsync(Token);

        Assert.Equal(["dddddddddddd", "aaaaaaaaaaab", "bbbbbbbbbbbb", "aaaaaaaaaaaa", "cccccccccccc"], listed.Select(p => p.Id));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Concurrent_updates_from_two_instances_lose_nothing(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var project = NewProject(DateTimeOffset.UtcNow);
        await stores.First.CreateAsync(project, Token);

        // Each update adds a prompt to what it read: a lost update would lose a prompt.
        var writers = Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            var store = writer % 2 == 0 ? stores.First : stores.Second;
            for (var i = 0; i < 25; i++)
            {
                await store.UpdateAsync(project.Id, current => current with
                {
                    Prompts = [.. current.Prompts, new ProjectPrompt($"{writer}/{i}", DateTimeOffset.UtcNow)],
                    Usage = current.Usage.Add(new TokenUsage(1, 0)),
                }, Token);
            }
        }, Token));
        await Task.WhenAll(writers);

        var stored = (await stores.First.GetAsync(project.Id, Token))!;
        Assert.Equal(1 + 200, stored.Prompts.Count);
        Assert.Equal(200, stored.Usage.InputTokens);
        Assert.Equal(200, stored.Prompts.Skip(1).Select(p => p.Text).Distinct().Count());
        // Each writer's own updates land in the order it made them.
        foreach (var writer in Enumerable.Range(0, 8))
        {
            var mine = stored.Prompts.Select(p => p.Text).Where(t => t.StartsWith($"{writer}/", StringComparison.Ordinal));
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"{writer}/{i}"), mine);
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task An_update_that_changes_nothing_returns_what_is_stored(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var project = NewProject(DateTimeOffset.UtcNow);
        await stores.First.CreateAsync(project, Token);
        await stores.Second.UpdateAsync(project.Id, current => current with { Status = ProjectStatus.Ready }, Token);

        var unchanged = await stores.First.UpdateAsync(project.Id, current => current, Token);

        Assert.Equal(ProjectStatus.Ready, unchanged?.Status);
        Assert.Equal(ProjectStatus.Ready, (await stores.Second.GetAsync(project.Id, Token))?.Status);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Concurrent_appends_from_two_instances_get_contiguous_seqs(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var projectId = ProjectIds.New();

        var appended = await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            var store = writer % 2 == 0 ? stores.First : stores.Second;
            var seqs = new List<long>();
            for (var i = 0; i < 100; i++)
            {
                var stored = await store.AppendEventAsync(projectId, "agent_message", DateTimeOffset.UtcNow, Data($"{writer}/{i}"), Token);
                seqs.Add(stored.Seq);
            }

            return seqs;
        }, Token)));

        // Every append got its own seq, and together they are 1..800 with no gap.
        Assert.Equal(Enumerable.Range(1, 800).Select(i => (long)i), appended.SelectMany(s => s).Order());
        var stored = await stores.First.ReadEventsAsync(projectId, 0, Token).ToListAsync(Token);
        Assert.Equal(Enumerable.Range(1, 800).Select(i => (long)i), stored.Select(e => e.Seq));
        // Each event is stored under the seq its append returned, and each writer's events are in its order.
        foreach (var (seqs, writer) in appended.Select((s, w) => (s, w)))
        {
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{writer}/{i}"), seqs.Select(seq => Text(stored[(int)seq - 1])));
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Reading_after_n_gives_the_rest_in_order_exactly_as_stored(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var projectId = ProjectIds.New();
        var other = ProjectIds.New();
        var at = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567);
        for (var i = 1; i <= 1200; i++)
        {
            await stores.First.AppendEventAsync(projectId, i % 2 == 0 ? "file_created" : "agent_message", at.AddTicks(i), Data($"event {i} ✓ \"q\"\n"), Token);
        }

        await stores.Second.AppendEventAsync(other, "agent_message", at, Data("elsewhere"), Token);

        var rest = await stores.Second.ReadEventsAsync(projectId, 700, Token).ToListAsync(Token);

        Assert.Equal(Enumerable.Range(701, 500).Select(i => (long)i), rest.Select(e => e.Seq));
        var first = rest[0];
        Assert.Equal(projectId, first.ProjectId);
        Assert.Equal("agent_message", first.Type);
        Assert.Equal(at.AddTicks(701), first.At);
        Assert.Equal("event 701 ✓ \"q\"\n", Text(first));
        Assert.Equal("file_created", rest[^1].Type);
        Assert.Empty(await stores.First.ReadEventsAsync(projectId, 1200, Token).ToListAsync(Token));
        Assert.Equal([1L], (await stores.First.ReadEventsAsync(other, 0, Token).ToListAsync(Token)).Select(e => e.Seq));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task The_newest_events_seq_is_known_per_project_from_either_instance(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var projectId = ProjectIds.New();
        var other = ProjectIds.New();
        Assert.Equal(0, await stores.Second.LastEventSeqAsync(projectId, Token));

        for (var i = 0; i < 7; i++)
        {
            await stores.First.AppendEventAsync(projectId, "agent_message", DateTimeOffset.UtcNow, Data($"{i}"), Token);
        }

        await stores.Second.AppendEventAsync(other, "agent_message", DateTimeOffset.UtcNow, Data("elsewhere"), Token);

        Assert.Equal(7, await stores.Second.LastEventSeqAsync(projectId, Token));
        Assert.Equal(1, await stores.First.LastEventSeqAsync(other, Token));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Delete_removes_the_project_and_its_events_and_nothing_else(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var doomed = NewProject(DateTimeOffset.UtcNow);
        var kept = NewProject(DateTimeOffset.UtcNow.AddSeconds(1));
        await stores.First.CreateAsync(doomed, Token);
        await stores.First.CreateAsync(kept, Token);
        for (var i = 0; i < 10; i++)
        {
            await stores.First.AppendEventAsync(doomed.Id, "agent_message", DateTimeOffset.UtcNow, Data($"{i}"), Token);
            await stores.First.AppendEventAsync(kept.Id, "agent_message", DateTimeOffset.UtcNow, Data($"{i}"), Token);
        }

        Assert.True(await stores.Second.DeleteAsync(doomed.Id, Token));

        Assert.Null(await stores.First.GetAsync(doomed.Id, Token));
        Assert.Empty(await stores.First.ReadEventsAsync(doomed.Id, 0, Token).ToListAsync(Token));
        Assert.Equal([kept.Id], (await stores.First.ListAsync(Token)).Select(p => p.Id));
        Assert.Equal(10, (await stores.First.ReadEventsAsync(kept.Id, 0, Token).ToListAsync(Token)).Count);
        Assert.False(await stores.First.DeleteAsync(doomed.Id, Token));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Recovery_marks_busy_projects_interrupted_after_their_last_event(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var now = DateTimeOffset.UtcNow;
        var generating = NewProject(now) with { Status = ProjectStatus.Generating, StartedAt = now };
        var queued = NewProject(now.AddSeconds(1)) with { Status = ProjectStatus.Queued };
        var ready = NewProject(now.AddSeconds(2)) with { Status = ProjectStatus.Ready };
        foreach (var project in new[] { generating, queued, ready })
        {
            await stores.First.CreateAsync(project, Token);
            await stores.First.AppendEventAsync(project.Id, "generation_started", now, Data("started"), Token);
        }

        // What a Kiln starting on this store does first; the store was written by another connection.
        // Kiln's own pieces below the agents, over the second connection's stores.
        var root = TempDirectory.Create("kiln-recovery");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Kiln:ProjectsRoot"] = root }).Build();
        var collection = new ServiceCollection().AddMetrics().AddLogging().AddSingleton<IConfiguration>(configuration);
        Kiln.Sandbox.SandboxServiceCollectionExtensions.AddSandbox(collection);
        collection.AddProjects(configuration).AddEvents(configuration);
        Kiln.Preview.PreviewServiceCollectionExtensions.AddPreview(collection);
        Kiln.Versions.VersionsServiceCollectionExtensions.AddVersions(collection);
        collection.AddSingleton(stores.Second.Projects).AddSingleton(stores.Second.Events)
            .AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, NoServer>();
        await using var services = collection.BuildServiceProvider();
        await new ProjectRecovery(
            stores.Second.Projects, new SingleInstancePlacement(), services.GetRequiredService<EventLog>(),
            services.GetRequiredService<Kiln.Versions.VersionHistory>(), TimeProvider.System, NullLogger<ProjectRecovery>.Instance).StartAsync(Token);
        TempDirectory.Delete(root);

        foreach (var busy in new[] { generating, queued })
        {
            var project = (await stores.First.GetAsync(busy.Id, Token))!;
            Assert.Equal(ProjectStatus.Interrupted, project.Status);
            Assert.Equal(ProjectRecovery.Reason, project.Error);
            Assert.NotNull(project.FinishedAt);
            var log = await stores.First.ReadEventsAsync(busy.Id, 0, Token).ToListAsync(Token);
            Assert.Equal(["generation_started", "error_occurred", "status_changed"], log.Select(e => e.Type));
            Assert.Equal([1L, 2, 3], log.Select(e => e.Seq));
        }

        Assert.Equal(ProjectStatus.Ready, (await stores.First.GetAsync(ready.Id, Token))!.Status);
        Assert.Single(await stores.First.ReadEventsAsync(ready.Id, 0, Token).ToListAsync(Token));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task A_store_opened_again_has_everything_that_was_written(string backend)
    {
        await using var stores = await StorePair.OpenAsync(backend);
        var project = NewProject(DateTimeOffset.UtcNow);
        await stores.First.CreateAsync(project, Token);
        await stores.First.UpdateAsync(project.Id, current => current with { SessionId = "resume-me" }, Token);
        await stores.First.AppendEventAsync(project.Id, "agent_message", DateTimeOffset.UtcNow, Data("kept"), Token);

        await using var again = await stores.ReopenAsync();

        Assert.Equal("resume-me", (await again.First.GetAsync(project.Id, Token))?.SessionId);
        Assert.Equal(["kept"], (await again.First.ReadEventsAsync(project.Id, 0, Token).ToListAsync(Token)).Select(Text));
        // The next seq follows on from what is stored.
        Assert.Equal(2, (await again.Second.AppendEventAsync(project.Id, "agent_message", DateTimeOffset.UtcNow, Data("next"), Token)).Seq);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Project NewProject(DateTimeOffset createdAt, string? id = null) => new()
    {
        Id = id ?? ProjectIds.New(),
        Status = ProjectStatus.Queued,
        Prompts = [new ProjectPrompt("a prompt", createdAt)],
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
        Runtime = "builtin",
        Model = "test-model",
    };

    private static string Data(string text) => JsonSerializer.Serialize(new { text });

    private static string Text(ProjectEvent stored) => stored.Data.GetProperty("text").GetString()!;

    private static string Json(Project project) => JsonSerializer.Serialize(project);

    /// <summary>Two stores over one database, each with its own connection, like two Kiln instances.</summary>
    private sealed class StorePair : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private readonly Func<Task<StorePair>> _reopen;
        private readonly Action? _cleanup;

        private StorePair(BothStores first, BothStores second, Func<Task<StorePair>> reopen, Action? cleanup)
        {
            First = first;
            Second = second;
            _reopen = reopen;
            _cleanup = cleanup;
        }

        public BothStores First { get; }

        public BothStores Second { get; }

        public static async Task<StorePair> OpenAsync(string backend) => backend switch
        {
            "sqlite" => Sqlite(TempDirectory.Create("kiln-store"), owner: true),
            "redis" => await RedisAsync(RedisServerPrefix.New(await SharedRedis.GetAsync())),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "no such backend"),
        };

        /// <summary>New stores over the same database, as after a restart.</summary>
        public Task<StorePair> ReopenAsync() => _reopen();

        private static StorePair Sqlite(string root, bool owner)
        {
            BothStores Open()
            {
                var database = new SqliteDatabase(new ProjectWorkspace(Options.Create(new ProjectsOptions { ProjectsRoot = root })));
                var fence = new ProjectFence();
                return new BothStores(new SqliteProjectStore(database, fence), new SqliteEventStore(database, fence));
            }

            return new StorePair(Open(), Open(), () => Task.FromResult(Sqlite(root, owner: false)), owner ? () => TempDirectory.Delete(root) : null);
        }

        private static async Task<StorePair> RedisAsync(RedisServerPrefix target)
        {
            var first = await ConnectionMultiplexer.ConnectAsync(target.Configuration);
            var second = await ConnectionMultiplexer.ConnectAsync(target.Configuration);
            var keys = new RedisKeys(target.Prefix);
            var pair = new StorePair(
                Redis(first, keys),
                Redis(second, keys),
                () => RedisAsync(target),
                null);
            pair._owned.Add(first);
            pair._owned.Add(second);
            return pair;
        }

        private static BothStores Redis(IConnectionMultiplexer redis, RedisKeys keys)
        {
            var fence = new RedisFence(new ProjectFence(), keys);
            return new BothStores(new RedisProjectStore(redis, keys, fence), new RedisEventStore(redis, new RedisEventKeys(keys), fence));
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var owned in _owned)
            {
                await owned.DisposeAsync();
            }

            _cleanup?.Invoke();
        }
    }

    /// <summary>
    /// The project store and the event store of one backend over one connection, as one Kiln instance has them. A
    /// deletion is what a removal does to both: the project's record, then its events.
    /// </summary>
    private sealed class BothStores(IProjectStore projects, IEventStore events)
    {
        public IProjectStore Projects => projects;

        public IEventStore Events => events;

        public Task CreateAsync(Project project, CancellationToken cancellationToken) => projects.CreateAsync(project, cancellationToken);

        public Task<bool> CreateWithinAsync(Project project, int maxProjects, CancellationToken cancellationToken) =>
            projects.CreateWithinAsync(project, maxProjects, cancellationToken);

        public Task<int> CountAsync(CancellationToken cancellationToken) => projects.CountAsync(cancellationToken);

        public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken) => projects.GetAsync(projectId, cancellationToken);

        public Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken) => projects.ListAsync(cancellationToken);

        public Task<Project?> UpdateAsync(string projectId, Func<Project, Project> change, CancellationToken cancellationToken) =>
            projects.UpdateAsync(projectId, change, cancellationToken);

        public async Task<bool> DeleteAsync(string projectId, CancellationToken cancellationToken)
        {
            var deleted = await projects.DeleteAsync(projectId, cancellationToken);
            await events.DeleteAsync(projectId, cancellationToken);
            return deleted;
        }

        public Task<ProjectEvent> AppendEventAsync(string projectId, string type, DateTimeOffset at, string dataJson, CancellationToken cancellationToken) =>
            events.AppendAsync(projectId, type, at, dataJson, cancellationToken);

        public IAsyncEnumerable<ProjectEvent> ReadEventsAsync(string projectId, long afterSeq, CancellationToken cancellationToken) =>
            events.ReadAsync(projectId, afterSeq, cancellationToken);

        public Task<long> LastEventSeqAsync(string projectId, CancellationToken cancellationToken) => events.LastSeqAsync(projectId, cancellationToken);
    }

    private sealed record RedisServerPrefix(string Configuration, string Prefix)
    {
        public static RedisServerPrefix New(Kiln.Testing.RedisServer server) => new(server.Configuration, Kiln.Testing.RedisServer.NewPrefix());
    }

    /// <summary>The preview's origin asks the server where it listens; recovery runs before anything is served.</summary>
    private sealed class NoServer : Microsoft.AspNetCore.Hosting.Server.IServer
    {
        public Microsoft.AspNetCore.Http.Features.IFeatureCollection Features { get; } = new Microsoft.AspNetCore.Http.Features.FeatureCollection();

        public Task StartAsync<TContext>(Microsoft.AspNetCore.Hosting.Server.IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
