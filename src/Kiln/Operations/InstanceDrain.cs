namespace Kiln.Operations;

/// <summary>
/// Whether this instance is draining: on its way out, it takes no new generation (503 with <c>Retry-After</c>)
/// and reports itself not ready, while the generations it runs finish.
/// </summary>
public sealed class InstanceDrain
{
    /// <summary>What a refused client is told to wait: long enough for a load balancer to notice, short for a person.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void Begin() => _draining = true;
}
