using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Kiln.Projects;

/// <summary>The default project store: each project as a JSON document in the <c>projects</c> table of <see cref="SqliteDatabase"/>.</summary>
public sealed class SqliteProjectStore : IProjectStore
{
    private readonly SqliteDatabase _database;
    private readonly ProjectFence _fence;

    public SqliteProjectStore(SqliteDatabase database, ProjectFence fence)
    {
        _database = database;
        _fence = fence;
        using var connection = Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS projects (
                id         TEXT PRIMARY KEY,
                created_at TEXT NOT NULL,
                document   TEXT NOT NULL
            );
            """);
    }

    public async Task CreateAsync(Project project, CancellationToken cancellationToken) =>
        await InsertAsync(project, "INSERT INTO projects (id, created_at, document) VALUES ($id, $created, $document)", null, cancellationToken);

    // One statement: SQLite counts and inserts under the same write lock.
    public async Task<bool> CreateWithinAsync(Project project, int maxProjects, CancellationToken cancellationToken) =>
        await InsertAsync(
            project,
            "INSERT INTO projects (id, created_at, document) SELECT $id, $created, $document WHERE (SELECT COUNT(*) FROM projects) < $max",
            maxProjects,
            cancellationToken) > 0;

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM projects";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<int> InsertAsync(Project project, string sql, int? maxProjects, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", project.Id);
        command.Parameters.AddWithValue("$created", SqliteDatabase.Format(project.CreatedAt));
        command.Parameters.AddWithValue("$document", Serialize(project));
        if (maxProjects is { } max)
        {
            command.Parameters.AddWithValue("$max", max);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await ReadProjectAsync(connection, projectId, cancellationToken);
    }

    public async Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM projects ORDER BY created_at DESC, id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var projects = new List<Project>();
        while (await reader.ReadAsync(cancellationToken))
        {
            projects.Add(Deserialize(reader.GetString(0)));
        }

        return projects;
    }

    public async Task<Project?> UpdateAsync(string projectId, Func<Project, Project> change, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        // IMMEDIATE takes the write lock up front, so the read-change-write cannot interleave with another writer.
        await using var transaction = connection.BeginTransaction(deferred: false);
        var current = await ReadProjectAsync(connection, projectId, cancellationToken);
        if (current is null)
        {
            return null;
        }

        var changed = change(current);
        if (!ReferenceEquals(changed, current))
        {
            var epoch = _fence.EpochOf(projectId);
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE projects SET document = $document WHERE id = $id AND {SqliteDatabase.FenceHolds}";
            command.Parameters.AddWithValue("$id", projectId);
            command.Parameters.AddWithValue("$document", Serialize(changed));
            SqliteDatabase.AddFence(command, projectId, epoch);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                // The row was read under the same lock, so only the fence can have stopped the update.
                throw _fence.Refused(projectId, epoch!.Value);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    public async Task<long> TakeEpochAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO project_epochs (project_id, epoch) VALUES ($id, 1)
            ON CONFLICT (project_id) DO UPDATE SET epoch = epoch + 1
            RETURNING epoch
            """;
        command.Parameters.AddWithValue("$id", projectId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM projects WHERE id = $id";
        command.Parameters.AddWithValue("$id", projectId);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        await using var epoch = connection.CreateCommand();
        epoch.CommandText = "DELETE FROM project_epochs WHERE project_id = $id";
        epoch.Parameters.AddWithValue("$id", projectId);
        await epoch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private SqliteConnection Open() => _database.Open();

    private static async Task<Project?> ReadProjectAsync(SqliteConnection connection, string projectId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM projects WHERE id = $id";
        command.Parameters.AddWithValue("$id", projectId);
        return await command.ExecuteScalarAsync(cancellationToken) is string document ? Deserialize(document) : null;
    }

    private static string Serialize(Project project) => JsonSerializer.Serialize(project, ProjectJsonContext.Default.Project);

    private static Project Deserialize(string document) =>
        JsonSerializer.Deserialize(document, ProjectJsonContext.Default.Project)
        ?? throw new InvalidDataException("A stored project document is empty.");
}
