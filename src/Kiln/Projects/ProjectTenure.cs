namespace Kiln.Projects;

/// <summary>One activation's hold on a project: its epoch, and a token cancelled when a write under it was refused.</summary>
public sealed class ProjectTenure : IDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    internal ProjectTenure(string projectId, long epoch)
    {
        ProjectId = projectId;
        Epoch = epoch;
        Lost = _lost.Token;
    }

    public string ProjectId { get; }

    public long Epoch { get; }

    /// <summary>Cancelled once a newer epoch refused a write of this tenure: the project is someone else's now.</summary>
    public CancellationToken Lost { get; }

    public bool IsLost => Lost.IsCancellationRequested;

    internal void Lose()
    {
        lock (_gate)
        {
            if (!_disposed && !IsLost)
            {
                _lost.Cancel();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _lost.Dispose();
        }
    }
}
