namespace Kiln.Projects;

/// <summary>
/// Anything, in any piece, that keeps state or runs work for individual projects. Each registers itself with
/// <see cref="ProjectStateHolders.AddProjectStateHolder{T}"/>, so that removing a project (DELETE, the cleanup
/// policy) stops its work and forgets it everywhere, while Projects never learns who holds what.
/// </summary>
public interface IProjectStateHolder
{
    /// <summary>When this holder lets go during a removal.</summary>
    ProjectRemovalStage Stage { get; }

    /// <summary>Stops what runs for the project and forgets what is kept of it. Called once per removal.</summary>
    ValueTask ForgetAsync(string projectId, CancellationToken cancellationToken);
}

/// <summary>
/// The order of a removal: the agent stops first (so it starts nothing new), then the project's processes, while
/// its record and files are still there; after the record is deleted, everything remembered of it is forgotten,
/// and last its directory goes.
/// </summary>
public enum ProjectRemovalStage
{
    StopAgent,
    StopProcesses,
    Forget,
}

public static class ProjectStateHolders
{
    /// <summary>Registers <typeparamref name="T"/> (already registered as a singleton) as a holder of per-project state.</summary>
    public static IServiceCollection AddProjectStateHolder<T>(this IServiceCollection services)
        where T : class, IProjectStateHolder =>
        services.AddSingleton<IProjectStateHolder>(provider => provider.GetRequiredService<T>());
}
