namespace Kiln.Projects;

/// <summary>
/// A write for a project was refused by the <see cref="ProjectFence"/>: this instance's epoch for it is stale, because
/// another instance has taken the project over since. Nothing was written; the project's work here must stop.
/// </summary>
public sealed class OwnershipLostException(string projectId, long epoch)
    : InvalidOperationException($"Project {projectId} was taken over by another Kiln instance (this one's epoch {epoch} is stale), so its write was refused.")
{
    public string ProjectId { get; } = projectId;

    public long Epoch { get; } = epoch;
}
