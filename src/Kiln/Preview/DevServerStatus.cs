using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>Where a project's dev server stands. Serialised as a snake_case string.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<DevServerState>))]
public enum DevServerState
{
    Stopped,
    Starting,
    Running,
    Crashed,
}

/// <summary>What <c>check_server_status</c> reports about a project's dev server.</summary>
public sealed record DevServerStatus(
    DevServerState State,
    int? Port,
    string? Command,
    TimeSpan? Uptime,
    int Restarts,
    int? LastExitCode,
    IReadOnlyList<string> LastErrors,
    IReadOnlyList<string> LastOutput);

/// <summary>How a request to start a dev server ended.</summary>
public sealed record DevServerOutcome(bool Ready, int? Port, string? Command, string? Failure, IReadOnlyList<string> LastOutput, bool AlreadyRunning = false)
{
    public static DevServerOutcome Running(int port, string command, bool alreadyRunning = false) =>
        new(true, port, command, null, [], alreadyRunning);

    public static DevServerOutcome Failed(string failure, IReadOnlyList<string> lastOutput, int? port = null, string? command = null) =>
        new(false, port, command, failure, lastOutput);
}
