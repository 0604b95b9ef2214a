namespace Kiln.Api;

/// <summary>
/// Endpoint metadata: the endpoint needs the project's owner (its disk or its processes), so in a fleet (the edge
/// reads this) it is served by the instance holding the project's lease. The project id is the <c>projectId</c> route value, or
/// with <see cref="InBody"/> the <c>projectId</c> of the JSON body (a follow-up; none means a new project, served here).
/// </summary>
public sealed record ProjectOwnerRequired(bool InBody = false);

public static class ProjectOwnerRequiredExtensions
{
    /// <summary>Serves the endpoint on the instance that owns the project; any other forwards it there.</summary>
    public static TBuilder RequiresProjectOwner<TBuilder>(this TBuilder builder, bool projectIdInBody = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProjectOwnerRequired(projectIdInBody));
}
