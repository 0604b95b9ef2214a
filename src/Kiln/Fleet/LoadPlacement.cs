using Orleans.Placement;

namespace Kiln.Fleet;

/// <summary>Orleans' name for "place by Kiln's load" (<see cref="LoadPlacementDirector"/>).</summary>
[GenerateSerializer, Immutable]
public sealed class LoadPlacement : PlacementStrategy
{
    /// <summary>
    /// A request-context key: a call that sets it places the grain on the calling silo when it may go there, as a
    /// project created outside an HTTP request (which cannot be forwarded) must be.
    /// </summary>
    public const string HereKey = "kiln.place-here";

    internal static readonly LoadPlacement Instance = new();
}

/// <summary>Places a grain by Kiln's load: on the instance with the least load per unit of weight, never a draining one.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class LoadPlacementAttribute() : PlacementAttribute(LoadPlacement.Instance);
