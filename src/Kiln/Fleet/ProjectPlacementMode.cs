namespace Kiln.Fleet;

/// <summary>How the fleet picks the instance for a project that has no owner (<see cref="FleetOptions.Placement"/>).</summary>
public enum ProjectPlacementMode
{
    /// <summary>The least loaded instance, by each one's published load and weight; never a draining one.</summary>
    Load,

    /// <summary>The instance the first request for the project reached (the fleet's placement before load placement).</summary>
    Local,
}
