using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Kiln.Projects;

/// <summary>
/// The default store's one SQLite file, <c>{ProjectsRoot}/kiln.db</c> in WAL mode, shared by the project store
/// and the event store: each creates and owns its own tables in it, and both write through the fence's
/// <c>project_epochs</c> table, kept here (see <see cref="FenceHolds"/>).
/// </summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(ProjectWorkspace workspace)
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
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS project_epochs (
                project_id TEXT    PRIMARY KEY,
                epoch      INTEGER NOT NULL
            ) WITHOUT ROWID;
            """);
    }

    /// <summary>
    /// The <see cref="ProjectFence"/> in SQL: true unless the project has a newer epoch than the one the write carries.
    /// A write puts it in its own statement's WHERE (see <see cref="AddFence"/>), so the check and the write are one step
    /// under SQLite's write lock.
    /// </summary>
    public const string FenceHolds =
        "($fence_epoch IS NULL OR NOT EXISTS (SELECT 1 FROM project_epochs WHERE project_id = $fence_project AND epoch > $fence_epoch))";

    /// <summary>Binds <see cref="FenceHolds"/>'s parameters to the epoch this process holds for the project (none: not fenced).</summary>
    public static void AddFence(SqliteCommand command, string projectId, long? epoch)
    {
        command.Parameters.AddWithValue("$fence_project", projectId);
        command.Parameters.AddWithValue("$fence_epoch", epoch is { } value ? value : DBNull.Value);
    }

    /// <summary>An open connection from the pool; dispose it when done.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs statements that return nothing, such as a table's <c>CREATE TABLE IF NOT EXISTS</c>.</summary>
    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A time as it is stored: ISO 8601 in UTC, sortable as text.</summary>
    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string at) =>
        DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
