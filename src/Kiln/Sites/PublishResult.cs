namespace Kiln.Sites;

/// <summary>How a request to publish ended.</summary>
public abstract record PublishResult
{
    /// <summary>The site serves <paramref name="Release"/> at <paramref name="Url"/> now.</summary>
    public sealed record Done(SiteRelease Release, Uri Url) : PublishResult;

    /// <summary>Nothing was published and the site is as it was: why, and the last lines of the build's output.</summary>
    public sealed record Failed(string Message, string LastLines) : PublishResult;

    /// <summary>Another publish of the project is running.</summary>
    public sealed record AlreadyPublishing : PublishResult;
}
