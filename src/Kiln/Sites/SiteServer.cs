using System.Globalization;
using System.Text.RegularExpressions;
using Kiln.Preview;
using Kiln.Projects;
using Microsoft.Net.Http.Headers;

namespace Kiln.Sites;

/// <summary>
/// Serves a published site from its active release, with no dev server: a single-page app's index.html for any page
/// path it has no file for, hashed build assets cached for a year (their name changes when their content does),
/// everything else revalidated on each load, so activating another release shows at once.
/// </summary>
public sealed partial class SiteServer(SiteOrigin origin, ReleaseStore releases)
{
    private const string Immutable = "public, max-age=31536000, immutable";

    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        if (!origin.IsSiteHost(context.Request.Host, out var projectId) || !ProjectIds.IsValid(projectId)
            || releases.ActiveFiles(projectId) is not { } active)
        {
            response.Headers.CacheControl = "no-cache";
            await TypedResults.Problem(
                title: "No site here",
                detail: "Nothing is published at this address: the project does not exist, was never published, or its site was taken down.",
                statusCode: StatusCodes.Status404NotFound).ExecuteAsync(context);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            // A site is static files: nothing on its origin accepts a write.
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        var path = context.Request.Path.Value?.TrimStart('/');
        var (release, root) = active;
        var files = new AppDirectory(root);
        var found = AppFiles.Find(files, path, fallbackToIndex: true);
        if (found is AppFileLookup.Missing && IsPageRequest(context.Request))
        {
            found = AppFiles.Find(files, null, fallbackToIndex: true);
        }

        if (found is not AppFileLookup.Found file)
        {
            response.Headers.CacheControl = "no-cache";
            await TypedResults.Problem(
                title: "Not found",
                detail: found is AppFileLookup.Refused refused ? refused.Reason : $"The site has no file '{path}'.",
                statusCode: StatusCodes.Status404NotFound).ExecuteAsync(context);
            return;
        }

        var relative = files.Relative(file.FullPath);
        response.Headers.CacheControl = HashedAsset().IsMatch(relative) ? Immutable : "no-cache";
        // The release is part of the tag: an older release activated again may hold a file of the same size and time.
        var tag = new EntityTagHeaderValue(string.Create(CultureInfo.InvariantCulture, $"\"r{release}-{file.ETag.Tag.ToString().Trim('"')}\""));
        await TypedResults.PhysicalFile(file.FullPath, file.ContentType, enableRangeProcessing: true, lastModified: file.LastModified, entityTag: tag)
            .ExecuteAsync(context);
    }

    /// <summary>A page of a single-page app's client-side routes: a browser's navigation, or a path with no file extension.</summary>
    private static bool IsPageRequest(HttpRequest request) =>
        PreviewRequest.IsPageLoad(request)
        || (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && !Path.HasExtension(request.Path.Value);

    /// <summary>Vite's (and Rollup's) hashed output, <c>assets/name-[hash].ext</c>: its name changes whenever its content does.</summary>
    [GeneratedRegex(@"^assets/(.+/)?[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")]
    private static partial Regex HashedAsset();
}
