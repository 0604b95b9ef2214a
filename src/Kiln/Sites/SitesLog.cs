namespace Kiln.Sites;

/// <summary>Published sites' log lines. The project id comes from the logging scope.</summary>
internal static partial class SitesLog
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Published release {Release} (version {Version}) at {Url}")]
    public static partial void Published(this ILogger logger, int release, int? version, Uri url);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Publishing failed, the site is unchanged: {Reason}")]
    public static partial void PublishFailed(this ILogger logger, string reason);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Information, Message = "Release {Release} is served again")]
    public static partial void Activated(this ILogger logger, int release);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Information, Message = "The site was taken down")]
    public static partial void TakenDown(this ILogger logger);
}
