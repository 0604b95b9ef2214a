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

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Package installs reach the registry {Registry} (upstream proxy: {Proxy})")]
    public static partial void RegistryFound(this ILogger logger, string registry, string proxy);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Could not read the package manager's registry ({Reason}); installs may reach the default registry only")]
    public static partial void RegistryUnknown(this ILogger logger, string reason);
}
