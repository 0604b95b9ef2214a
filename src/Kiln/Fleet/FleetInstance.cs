namespace Kiln.Fleet;

/// <summary>An instance as the fleet names it: its id and the internal address its projects' requests are forwarded to.</summary>
[GenerateSerializer, Immutable]
public sealed record FleetInstance([property: Id(0)] string Id, [property: Id(1)] Uri Url);
