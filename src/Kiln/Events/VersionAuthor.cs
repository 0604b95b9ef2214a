using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>Who made a version: Kiln (a generation, a restore), or the person, by editing files by hand (<c>you</c>).</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<VersionAuthor>))]
public enum VersionAuthor
{
    Kiln,
    You,
}
