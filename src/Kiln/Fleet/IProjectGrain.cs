namespace Kiln.Fleet;

/// <summary>
/// A project in the cluster, keyed by its id. Orleans keeps at most one activation of it, and the instance that
/// activation runs on owns the project: its generations and its dev server run there and nowhere else.
/// </summary>
public interface IProjectGrain : IGrainWithStringKey
{
    /// <summary>The instance that owns the project: where this call was answered (activating the project there if nobody held it).</summary>
    Task<FleetInstance> OwnerAsync();

    /// <summary>Gives the project up (it was removed): its work stops and the activation goes.</summary>
    Task ReleaseAsync();
}
