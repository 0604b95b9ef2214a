using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Kiln.Projects;

/// <summary>
/// The default store's one SQLite file, <c>{ProjectsRoot}/kiln.db</c> in WAL mode, shared by the project store
/// and the event store: each creates and owns its own tables in it.
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
