namespace Kiln.Sites;

/// <summary>
/// Builds a project's app (its package.json "build" script) for a release. Tools provides it, since it knows the
/// package manager and runs a build as <c>build_project</c> does; Sites sits below Tools and names only this.
/// </summary>
public interface IAppBuilder
{
    /// <summary>Installs the dependencies when they are missing, then runs the build in the sandbox inside the app directory.</summary>
    Task<AppBuildOutcome> BuildAsync(string projectId, CancellationToken cancellationToken);
}

/// <summary>How a build for a release ended.</summary>
/// <param name="Succeeded">True when the build exited 0 in time.</param>
/// <param name="Message">One sentence a person can act on: what failed and how.</param>
/// <param name="LastLines">The last lines of its output, where the errors are.</param>
public sealed record AppBuildOutcome(bool Succeeded, string Message, string LastLines);
