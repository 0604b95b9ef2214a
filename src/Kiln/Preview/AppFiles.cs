using System.Globalization;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Kiln.Preview;

/// <summary>What a request for one of an app's files finds: the file to send, a refused path, or nothing.</summary>
public abstract record AppFileLookup
{
    /// <summary>A file to send, with its content type and the validators a browser revalidates with.</summary>
    public sealed record Found(string FullPath, string ContentType, DateTimeOffset LastModified, EntityTagHeaderValue ETag) : AppFileLookup
    {
        /// <summary>The file as a response, with range requests and conditional GETs answered.</summary>
        public PhysicalFileHttpResult ToResult() =>
            TypedResults.PhysicalFile(FullPath, ContentType, enableRangeProcessing: true, lastModified: LastModified, entityTag: ETag);
    }

    /// <summary>The path would leave the app; <paramref name="Reason"/> says why.</summary>
    public sealed record Refused(string Reason) : AppFileLookup;

    /// <summary>No such file, or one of Kiln's or the package manager's.</summary>
    public sealed record Missing : AppFileLookup;
}

/// <summary>The one way an app's files are served, by the file API and by a static preview alike.</summary>
public static class AppFiles
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>
    /// Finds the file <paramref name="path"/> names, confined to the app. With <paramref name="fallbackToIndex"/> a
    /// directory (or no path) means its <c>index.html</c>, as a static site serves it.
    /// </summary>
    public static AppFileLookup Find(AppDirectory app, string? path, bool fallbackToIndex)
    {
        string full;
        try
        {
            full = app.Resolve(path, allowRoot: fallbackToIndex);
        }
        catch (PathRefusedException exception)
        {
            return new AppFileLookup.Refused(exception.Message);
        }

        if (fallbackToIndex && Directory.Exists(full))
        {
            full = Path.Combine(full, "index.html");
        }

        var segments = app.Relative(full).Split('/');
        if (!File.Exists(full) || segments.Any(AppDirectory.IsHiddenName))
        {
            return new AppFileLookup.Missing();
        }

        var contentType = ContentTypes.TryGetContentType(full, out var known) ? known : "application/octet-stream";
        if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/javascript" or "application/json")
        {
            contentType += "; charset=utf-8";
        }

        // The ETag names the exact write (size and time to the tick): Last-Modified alone has whole seconds, and two
        // writes an agent makes within one second would otherwise answer a revalidation with 304 and the old bytes.
        var file = new FileInfo(full);
        var tag = new EntityTagHeaderValue(string.Create(CultureInfo.InvariantCulture, $"\"{file.Length:x}-{file.LastWriteTimeUtc.Ticks:x}\""));
        return new AppFileLookup.Found(full, contentType, file.LastWriteTimeUtc, tag);
    }
}
