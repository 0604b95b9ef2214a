using System.Text.Json;
using Kiln.Events;
using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Kiln.Tests.Projects;

/// <summary>
/// The fence between a project's owners, against each backend (SQLite, a real Redis): two "instances" are two sets of
/// stores, each with its own <see cref="ProjectFence"/> (and, with Redis, its own connection) over one database. The
/// old owner holds epoch 1; the new one takes epoch 2, and from then on the old one can write nothing.
/// </summary>
public sealed class ProjectFenceTests
{
    public static TheoryData<string> Backends => ["sqlite", "redis"];

    [Theory, MemberData(nameof(Backends))]
    public async Task An_owner_whose_project_was_taken_over_can_write_nothing_and_loses_its_tenure(string backend)
    {
        await using var both = await Instances.OpenAsync(backend);
        var (old, successor) = (both.First, both.Second);
        var project = NewProject();
        await old.Projects.CreateAsync(project, Token);
        var oldTenure = old.Fence.Hold(project.Id, await old.Projects.TakeEpochAsync(project.Id, Token));
        await old.Events.AppendAsync(project.Id, "agent_message", DateTimeOffset.UtcNow, Data("before the takeover"), Token);
        await old.Projects.UpdateAsync(project.Id, p => p with { Error = "old owner" }, Token);

        var newTenure = successor.Fence.Hold(project.Id, await successor.Projects.TakeEpochAsync(project.Id, Token));
        Assert.True(newTenure.Epoch > oldTenure.Epoch);

        var append = await Assert.ThrowsAsync<OwnershipLostException>(() =>
            old.Events.AppendAsync(project.Id, "agent_message", DateTimeOffset.UtcNow, Data("after the takeover"), Token));
        Assert.Equal((project.Id, oldTenure.Epoch), (append.ProjectId, append.Epoch));
        Assert.True(oldTenure.IsLost);
        Assert.True(oldTenure.Lost.IsCancellationRequested);
        await Assert.ThrowsAsync<OwnershipLostException>(() => old.Projects.UpdateAsync(project.Id, p => p with { Error = "stale" }, Token));

        // The successor writes on, and its seqs follow the old owner's last stored event with no gap.
        Assert.Equal(2, (await successor.Events.AppendAsync(project.Id, "agent_message", DateTimeOffset.UtcNow, Data("new owner"), Token)).Seq);
        await successor.Projects.UpdateAsync(project.Id, p => p with { Error = "new owner" }, Token);
        Assert.False(newTenure.IsLost);

        // Stopping the lost work releases nothing: whatever it still writes on its way out is refused too.
        old.Fence.Release(project.Id);
        await Assert.ThrowsAsync<OwnershipLostException>(() =>
            old.Events.AppendAsync(project.Id, "status_changed", DateTimeOffset.UtcNow, Data("stopping"), Token));

        Assert.Equal(["before the takeover", "new owner"], (await successor.Events.ReadAsync(project.Id, 0, Token).ToListAsync(Token)).Select(Text));
        Assert.Equal("new owner", (await old.Projects.GetAsync(project.Id, Token))!.Error);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Writes_with_no_epoch_held_are_not_fenced_and_a_released_tenure_holds_none(string backend)
    {
        await using var both = await Instances.OpenAsync(backend);
        var project = NewProject();
        await both.First.Projects.CreateAsync(project, Token);
        both.Second.Fence.Hold(project.Id, await both.Second.Projects.TakeEpochAsync(project.Id, Token));

        // The first instance never held the project (a request it served that created or removed it): not fenced.
        await both.First.Events.AppendAsync(project.Id, "agent_message", DateTimeOffset.UtcNow, Data("unfenced"), Token);
        await both.First.Projects.UpdateAsync(project.Id, p => p with { Error = "unfenced" }, Token);

        // A tenure given up normally leaves nothing held.
        both.Second.Fence.Release(project.Id);
        Assert.Null(both.Second.Fence.EpochOf(project.Id));
        Assert.Equal(2, (await both.Second.Events.AppendAsync(project.Id, "agent_message", DateTimeOffset.UtcNow, Data("released"), Token)).Seq);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Each_tenure_takes_a_higher_epoch_and_deleting_the_project_forgets_them(string backend)
    {
        await using var both = await Instances.OpenAsync(backend);
        var project = NewProject();
        await both.First.Projects.CreateAsync(project, Token);

        var epochs = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            epochs.Add(await both.First.Projects.TakeEpochAsync(project.Id, Token));
            epochs.Add(await both.Second.Projects.TakeEpochAsync(project.Id, Token));
        }

        Assert.Equal([1L, 2, 3, 4, 5, 6], epochs);
        Assert.True(await both.First.Projects.DeleteAsync(project.Id, Token));
        Assert.Equal(1, await both.Second.Projects.TakeEpochAsync(project.Id, Token));
    }

    [Fact]
    public async Task An_owner_that_was_taken_over_cannot_overwrite_its_successors_replica()
    {
        var server = await SharedRedis.GetAsync();
        var keys = new RedisKeys(Kiln.Testing.RedisServer.NewPrefix());
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var (oldFence, newFence) = (new ProjectFence(), new ProjectFence());
        var oldStore = new ReplicaStore(redis, keys, new RedisFence(oldFence, keys));
        var newStore = new ReplicaStore(redis, keys, new RedisFence(newFence, keys));
        var projects = new RedisProjectStore(redis, keys, new RedisFence(new ProjectFence(), keys));
        var projectId = ProjectIds.New();

        oldFence.Hold(projectId, await projects.TakeEpochAsync(projectId, Token));
        await oldStore.PutAsync(projectId, Snapshot("old"), Token);
        newFence.Hold(projectId, await projects.TakeEpochAsync(projectId, Token));
        await newStore.PutAsync(projectId, Snapshot("new"), Token);

        await Assert.ThrowsAsync<OwnershipLostException>(() => oldStore.PutAsync(projectId, Snapshot("stale"), Token));
        var stored = await newStore.GetAsync(projectId, Token);
        Assert.Equal("new", stored?.Manifest.Stamp);
        Assert.Equal("new"u8.ToArray(), stored?.Files);
    }

    private static ReplicaSnapshot Snapshot(string stamp) =>
        new(new ReplicaManifest(stamp, "refs/heads/main", "abc", 1, DateTimeOffset.UtcNow), System.Text.Encoding.UTF8.GetBytes(stamp + " bundle"), System.Text.Encoding.UTF8.GetBytes(stamp));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Project NewProject() => new()
    {
        Id = ProjectIds.New(),
        Status = ProjectStatus.Generating,
        Prompts = [new ProjectPrompt("a prompt", DateTimeOffset.UtcNow)],
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
        Runtime = "builtin",
        Model = "test-model",
    };

    private static string Data(string text) => JsonSerializer.Serialize(new { text });

    private static string Text(ProjectEvent stored) => stored.Data.GetProperty("text").GetString()!;

    /// <summary>One instance's view of the shared store: its stores and the fence they write through.</summary>
    private sealed record Instance(IProjectStore Projects, IEventStore Events, ProjectFence Fence);

    private sealed class Instances(Instance first, Instance second, Func<ValueTask> dispose) : IAsyncDisposable
    {
        public Instance First { get; } = first;

        public Instance Second { get; } = second;

        public static async Task<Instances> OpenAsync(string backend)
        {
            if (backend == "sqlite")
            {
                var root = TempDirectory.Create("kiln-fence");
                Instance Sqlite()
                {
                    var database = new SqliteDatabase(new ProjectWorkspace(Options.Create(new ProjectsOptions { ProjectsRoot = root })));
                    var fence = new ProjectFence();
                    return new Instance(new SqliteProjectStore(database, fence), new SqliteEventStore(database, fence), fence);
                }

                return new Instances(Sqlite(), Sqlite(), () =>
                {
                    TempDirectory.Delete(root);
                    return ValueTask.CompletedTask;
                });
            }

            var server = await SharedRedis.GetAsync();
            var keys = new RedisKeys(Kiln.Testing.RedisServer.NewPrefix());
            var first = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
            var second = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
            return new Instances(Redis(first, keys), Redis(second, keys), async () =>
            {
                await first.DisposeAsync();
                await second.DisposeAsync();
            });
        }

        private static Instance Redis(IConnectionMultiplexer redis, RedisKeys keys)
        {
            var fence = new ProjectFence();
            var redisFence = new RedisFence(fence, keys);
            return new Instance(new RedisProjectStore(redis, keys, redisFence), new RedisEventStore(redis, new RedisEventKeys(keys), redisFence), fence);
        }

        public ValueTask DisposeAsync() => dispose();
    }
}
