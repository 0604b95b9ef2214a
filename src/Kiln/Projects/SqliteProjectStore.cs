using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kiln.Events;
using Microsoft.Data.Sqlite;

namespace Kiln.Projects;

/// <summary>
/// The default store: one SQLite file (<c>{ProjectsRoot}/kiln.db</c>, WAL) holding each project as a JSON
/// document and every event as a row keyed by (project, seq).
/// </summary>
public sealed class SqliteProjectStore : IProjectStore
{
    private readonly string _connectionString;

    public SqliteProjectStore(ProjectWorkspace workspace)
    {
        Directory.CreateDirectory(workspace.Root);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = workspace.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS projects (
                id         TEXT PRIMARY KEY,
                created_at TEXT NOT NULL,
                document   TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS events (
                project_id TEXT    NOT NULL,
                seq        INTEGER NOT NULL,
                type       TEXT    NOT NULL,
                at         TEXT    NOT NULL,
                data       TEXT    NOT NULL,
                PRIMARY KEY (project_id, seq)
            ) WITHOUT ROWID;
            """);
    }

    public async Task CreateAsync(Project project, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO projects (id, created_at, document) VALUES ($id, $created, $document)";
        command.Parameters.AddWithValue("$id", project.Id);
        command.Parameters.AddWithValue("$created", Format(project.CreatedAt));
        command.Parameters.AddWithValue("$document", Serialize(project));
        await command.ExecuteNonQueryAsync(cancellationToken);
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
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE projects SET document = $document WHERE id = $id";
            command.Parameters.AddWithValue("$id", projectId);
            command.Parameters.AddWithValue("$document", Serialize(changed));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    public async Task<bool> DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM events WHERE project_id = $id; DELETE FROM projects WHERE id = $id";
        command.Parameters.AddWithValue("$id", projectId);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await using var changes = connection.CreateCommand();
        changes.CommandText = "SELECT changes()";
        var deleted = (long)(await changes.ExecuteScalarAsync(cancellationToken))! > 0;
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<ProjectEvent> AppendEventAsync(
        string projectId, string type, DateTimeOffset at, string dataJson, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        // The next seq is computed inside the insert, under SQLite's write lock: gap-free and never repeated.
        command.CommandText = """
            INSERT INTO events (project_id, seq, type, at, data)
            SELECT $project, COALESCE(MAX(seq), 0) + 1, $type, $at, $data FROM events WHERE project_id = $project
            RETURNING seq
            """;
        command.Parameters.AddWithValue("$project", projectId);
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$at", Format(at));
        command.Parameters.AddWithValue("$data", dataJson);
        var seq = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return ProjectEvent.FromStored(seq, projectId, type, at, dataJson);
    }

    public async IAsyncEnumerable<ProjectEvent> ReadEventsAsync(
        string projectId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, type, at, data FROM events WHERE project_id = $project AND seq > $after ORDER BY seq";
        command.Parameters.AddWithValue("$project", projectId);
        command.Parameters.AddWithValue("$after", afterSeq);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ProjectEvent.FromStored(
                reader.GetInt64(0), projectId, reader.GetString(1), Parse(reader.GetString(2)), reader.GetString(3));
        }
    }

    public async Task<long> LastEventSeqAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE project_id = $project";
        command.Parameters.AddWithValue("$project", projectId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static async Task<Project?> ReadProjectAsync(SqliteConnection connection, string projectId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM projects WHERE id = $id";
        command.Parameters.AddWithValue("$id", projectId);
        return await command.ExecuteScalarAsync(cancellationToken) is string document ? Deserialize(document) : null;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Serialize(Project project) => JsonSerializer.Serialize(project, ProjectJsonContext.Default.Project);

    private static Project Deserialize(string document) =>
        JsonSerializer.Deserialize(document, ProjectJsonContext.Default.Project)
        ?? throw new InvalidDataException("A stored project document is empty.");

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string at) =>
        DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
