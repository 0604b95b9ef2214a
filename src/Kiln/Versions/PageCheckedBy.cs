using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Versions;

/// <summary>Who looked at a page of the app. Serialised as a snake_case string.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<PageCheckedBy>))]
public enum PageCheckedBy
{
    /// <summary>The agent, with <c>check_app</c>, while its generation ran.</summary>
    Agent,

    /// <summary>Kiln itself, re-checking the pages that rendered before, when a generation ended.</summary>
    Kiln,
}
