namespace Kiln.Tools;

internal static partial class ToolsLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "{Command} failed at the registry; attempt {Attempt} of {Attempts} in {Delay}")]
    public static partial void RetryingAfterRegistryFailure(this ILogger logger, string command, int attempt, int attempts, TimeSpan delay);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Scaffolding template {Template} into the cache")]
    public static partial void ScaffoldingTemplate(this ILogger logger, string template);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Cached template {Template} in {Duration}")]
    public static partial void TemplateCached(this ILogger logger, string template, TimeSpan duration);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Could not refresh template {Template}; using the cached one from {CreatedAt}: {Reason}")]
    public static partial void TemplateRefreshFailed(this ILogger logger, string template, DateTimeOffset createdAt, string reason);
}
