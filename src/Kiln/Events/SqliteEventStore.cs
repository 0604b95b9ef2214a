using System.Runtime.CompilerServices;
using Kiln.Projects;
using Microsoft.Data.Sqlite;

namespace Kiln.Events;

/// <summary>The default event store: every event a row of the <c>events</c> table of <see cref="SqliteDatabase"/>, keyed by (project, seq).</summary>
public sealed class SqliteEventStore : IEventStore
{
    private readonly SqliteDatabase _database;
    private readonly ProjectFence _fence;

    public SqliteEventStore(SqliteDatabase database, ProjectFence fence)
    {
        _database = database;
        _fence = fence;
        using var connection = Open();
        SqliteDatabase.Execute(connection, """
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

    public async Task<ProjectEvent> AppendAsync(
        string projectId, string type, DateTimeOffset at, string dataJson, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        // The next seq is computed inside the insert, under SQLite's write lock: gap-free and never repeated. The fence
        // is checked in the same statement: a stale owner inserts no row.
        command.CommandText = $"""
            INSERT INTO events (project_id, seq, type, at, data)
            SELECT $project, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE project_id = $project), $type, $at, $data
            WHERE {SqliteDatabase.FenceHolds}
            RETURNING seq
            """;
        command.Parameters.AddWithValue("$project", projectId);
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$at", SqliteDatabase.Format(at));
        command.Parameters.AddWithValue("$data", dataJson);
        var epoch = _fence.EpochOf(projectId);
        SqliteDatabase.AddFence(command, projectId, epoch);
        var seq = await command.ExecuteScalarAsync(cancellationToken) as long? ?? throw _fence.Refused(projectId, epoch!.Value);
        return ProjectEvent.FromStored(seq, projectId, type, at, dataJson);
    }

    public async IAsyncEnumerable<ProjectEvent> ReadAsync(
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
                reader.GetInt64(0), projectId, reader.GetString(1), SqliteDatabase.Parse(reader.GetString(2)), reader.GetString(3));
        }
    }

    public async Task<long> LastSeqAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE project_id = $project";
        command.Parameters.AddWithValue("$project", projectId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM events WHERE project_id = $project";
        command.Parameters.AddWithValue("$project", projectId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private SqliteConnection Open() => _database.Open();
}
