using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>Why a dev server was stopped on purpose. Serialised as a snake_case string.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<DevServerStopReason>))]
public enum DevServerStopReason
{
    /// <summary>Asked for (a restart, a test, an operator).</summary>
    Requested,

    /// <summary>It served nothing for <c>Kiln:Preview:IdleTimeout</c>.</summary>
    Idle,

    /// <summary>Another project's server needed its slot (<c>Kiln:Preview:MaxRunningServers</c>).</summary>
    Evicted,

    /// <summary>The project was deleted.</summary>
    Deleted,

    /// <summary>The project's environment variables or secrets changed; it is started again with them.</summary>
    EnvironmentChanged,

    /// <summary>Kiln is shutting down.</summary>
    Shutdown,
}
