namespace Kiln.Projects;

/// <summary>The logging scope that puts a project's id on every line written while working on it.</summary>
public static class ProjectLogScope
{
    private static readonly Func<ILogger, string, IDisposable?> Scope = LoggerMessage.DefineScope<string>("ProjectId:{ProjectId}");

    public static IDisposable? Begin(ILogger logger, string projectId) => Scope(logger, projectId);
}
