using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>What <see cref="ClaudeAgentClient.RewindFilesAsync"/> did, or would do on a dry run.</summary>
/// <param name="CanRewind">Whether the files can be (or were) put back.</param>
/// <param name="Error">Why not, when they cannot.</param>
/// <param name="FilesChanged">The files put back (or that would be).</param>
/// <param name="Insertions">Lines restored.</param>
/// <param name="Deletions">Lines removed.</param>
public sealed record RewindFilesResult(bool CanRewind, string? Error, IReadOnlyList<string> FilesChanged, long Insertions, long Deletions)
{
    internal static RewindFilesResult From(JsonObject json) => new(
        json.Bool("canRewind"), json.Str("error"), json.Strings("filesChanged"), json.Long("insertions"), json.Long("deletions"));
}
