namespace Kiln.Api;

/// <summary>
/// Whether this instance is draining: on its way out, it takes no new generation (503 with <c>Retry-After</c>)
/// and reports itself not ready, while the generations it runs finish.
/// </summary>
public sealed class InstanceDrain : IDisposable
{
    /// <summary>What a refused client is told to wait: long enough for a load balancer to notice, short for a person.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _drained = new();
    private volatile bool _draining;

    public bool IsDraining => _draining;

    /// <summary>
    /// Cancelled once the drain is over (or the host stops without one). Event streams end then, not when stopping
    /// begins: clients keep watching the generations that are finishing.
    /// </summary>
    public CancellationToken Drained => _drained.Token;

    public void Begin() => _draining = true;

    public void End()
    {
        if (!_drained.IsCancellationRequested)
        {
            _drained.Cancel();
        }
    }

    public void Dispose() => _drained.Dispose();
}
