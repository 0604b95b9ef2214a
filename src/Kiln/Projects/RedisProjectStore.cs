using System.Text.Json;
using StackExchange.Redis;

namespace Kiln.Projects;

/// <summary>
/// The project store several instances share (DESIGN.md section 10): each project a JSON document, and a sorted
/// set of their ids by creation time. Their events are in the same Redis (<c>Kiln.Events.RedisEventStore</c>).
/// </summary>
public sealed class RedisProjectStore(IConnectionMultiplexer redis, RedisKeys keys, RedisFence fence) : IProjectStore
{
    // KEYS[1] the project; ARGV[1] the document the change was made to, ARGV[2] the changed one. Checked by the fence first.
    private const string ReplaceScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[2])
        return 1
        """;

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly RedisKeys _keys = keys;

    public async Task CreateAsync(Project project, CancellationToken cancellationToken) =>
        await CreateAsync(project, maxProjects: null, cancellationToken);

    public Task<bool> CreateWithinAsync(Project project, int maxProjects, CancellationToken cancellationToken) =>
        CreateAsync(project, maxProjects, cancellationToken);

    public async Task<int> CountAsync(CancellationToken cancellationToken) =>
        (int)await _db.SortedSetLengthAsync(_keys.Projects).WaitAsync(cancellationToken);

    private async Task<bool> CreateAsync(Project project, int? maxProjects, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transaction = _db.CreateTransaction();
        var isNew = transaction.AddCondition(Condition.KeyNotExists(_keys.Project(project.Id)));
        // The index of every project is the count: MULTI runs only while it is still below the limit (WATCH underneath).
        if (maxProjects is { } max)
        {
            transaction.AddCondition(Condition.SortedSetLengthLessThan(_keys.Projects, max));
        }

        _ = transaction.StringSetAsync(_keys.Project(project.Id), Serialize(project));
        _ = transaction.SortedSetAddAsync(_keys.Projects, project.Id, project.CreatedAt.ToUnixTimeMilliseconds());
        if (await transaction.ExecuteAsync())
        {
            return true;
        }

        return isNew.WasSatisfied ? false : throw new InvalidOperationException($"A project with id {project.Id} already exists.");
    }

    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        var document = await _db.StringGetAsync(_keys.Project(projectId)).WaitAsync(cancellationToken);
        return document.IsNull ? null : Deserialize(document!);
    }

    public async Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = await _db.SortedSetRangeByRankAsync(_keys.Projects).WaitAsync(cancellationToken);
        if (ids.Length == 0)
        {
            return [];
        }

        var documents = await _db.StringGetAsync([.. ids.Select(id => _keys.Project(id!))]).WaitAsync(cancellationToken);
        // The same order as the SQLite store: newest first, then by id; the index's millisecond score is too coarse for it.
        return
        [
            .. documents.Where(document => !document.IsNull).Select(document => Deserialize(document!))
                .OrderByDescending(project => project.CreatedAt.UtcTicks).ThenBy(project => project.Id, StringComparer.Ordinal),
        ];
    }

    public async Task<Project?> UpdateAsync(string projectId, Func<Project, Project> change, CancellationToken cancellationToken)
    {
        var key = _keys.Project(projectId);
        // Optimistic: write only if the document is still the one that was read (compared in the write's script), else
        // read it again and change that. So change may run more than once, and only its last result counts.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var document = await _db.StringGetAsync(key).WaitAsync(cancellationToken);
            if (document.IsNull)
            {
                return null;
            }

            var current = Deserialize(document!);
            var changed = change(current);
            if (ReferenceEquals(changed, current))
            {
                return changed;
            }

            var replaced = await fence.EvaluateAsync(_db, projectId, ReplaceScript, [key], [document, Serialize(changed)], cancellationToken);
            if ((int)replaced == 1)
            {
                return changed;
            }
        }
    }

    public Task<long> TakeEpochAsync(string projectId, CancellationToken cancellationToken) =>
        fence.TakeEpochAsync(_db, projectId, cancellationToken);

    public async Task<bool> DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transaction = _db.CreateTransaction();
        var deleted = transaction.KeyDeleteAsync(_keys.Project(projectId));
        _ = transaction.SortedSetRemoveAsync(_keys.Projects, projectId);
        _ = transaction.KeyDeleteAsync(_keys.Epoch(projectId));
        await transaction.ExecuteAsync();
        return await deleted;
    }

    private static string Serialize(Project project) => JsonSerializer.Serialize(project, ProjectJsonContext.Default.Project);

    private static Project Deserialize(string document) =>
        JsonSerializer.Deserialize(document, ProjectJsonContext.Default.Project)
        ?? throw new InvalidDataException("A stored project document is empty.");
}
