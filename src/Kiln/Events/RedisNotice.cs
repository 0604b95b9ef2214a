using System.Globalization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>
/// What the Redis store announces on <see cref="RedisEventKeys.Notices"/>, so that every instance can tell its own
/// subscribers: a stored event (<see cref="Event"/>), or the deletion of a project (<see cref="Event"/> null).
/// The text is line-separated, <c>e\n{projectId}\n{seq}\n{type}\n{at}\n{data}</c> or <c>d\n{projectId}</c>: the
/// data is compact JSON, which never holds a raw newline, and it comes last.
/// </summary>
public sealed record RedisNotice(string ProjectId, ProjectEvent? Event)
{
    public static RedisNotice? Parse(string message)
    {
        var parts = message.Split('\n', 6);
        return parts switch
        {
            ["d", var projectId] => new RedisNotice(projectId, null),
            ["e", var projectId, var seq, var type, var at, var data] when long.TryParse(seq, CultureInfo.InvariantCulture, out var number) =>
                new RedisNotice(projectId, ProjectEvent.FromStored(number, projectId, type, StoredTime.Parse(at), data)),
            _ => null,
        };
    }
}
