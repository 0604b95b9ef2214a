namespace Kiln.Operations;

/// <summary>
/// Work an instance does last on its way out: after its generations have finished or been marked
/// <c>interrupted</c> and its dev servers have stopped, and while Kestrel still serves. Several instances sharing a
/// store release their project leases here, so another instance may adopt the projects at once. Register any number
/// with <c>services.AddSingleton&lt;IShutdownHook, T&gt;()</c>; they run in registration order.
/// </summary>
public interface IShutdownHook
{
    Task OnDrainedAsync(CancellationToken cancellationToken);
}
