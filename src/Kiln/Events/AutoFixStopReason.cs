using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>Why Kiln stopped sending errors back to the agent by itself.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<AutoFixStopReason>))]
public enum AutoFixStopReason
{
    /// <summary>The generation after a fix ended with no error collected.</summary>
    Fixed,

    /// <summary>An error that a fix was asked for came back: another try would loop.</summary>
    Repeated,

    /// <summary><c>Kiln:Agent:AutoFix</c> fixes were made and errors remain.</summary>
    Limit,

    /// <summary>The prompt has spent its cap (<c>maxBudgetUsd</c>, <c>Kiln:Agent:MaxBudgetUsd</c>), fixes included.</summary>
    Budget,
}
