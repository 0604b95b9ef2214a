using System.IO.Compression;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

public static class DownloadEndpoints
{
    public static RouteHandlerBuilder MapProjectDownload(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/projects/{projectId}/download", DownloadAsync)
            .WithTags(ApiTags.Files)
            .WithName("DownloadProject")
            .WithSummary("The app as a zip, streamed (no node_modules, .git or Kiln's own files)")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .RequiresProjectOwner();

    private static async Task<Results<PushStreamHttpResult, NotFoundProblem>> DownloadAsync(
        string projectId, IProjectStore store, ProjectWorkspace workspace, CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        var app = new AppDirectory(workspace.AppDirectory(projectId));
        return TypedResults.Stream(
            body => WriteZipAsync(app, projectId, body, cancellationToken),
            contentType: "application/zip",
            fileDownloadName: $"kiln-{projectId}.zip");
    }

    /// <summary>
    /// Writes the app's files as a zip to <paramref name="destination"/> as it reads them, so a large app is never held
    /// in memory: at most one chunk of compressed output waits in the <see cref="DrainingWriteStream"/>.
    /// </summary>
    internal static async Task WriteZipAsync(AppDirectory app, string folder, Stream destination, CancellationToken cancellationToken)
    {
        var output = new DrainingWriteStream(destination);
        await using (output)
        {
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in Directory.Exists(app.Root) ? AppFileTree.Walk(app.Root).OfType<FileInfo>() : [])
                {
                    var path = app.Relative(file.FullName);
                    // Links are skipped, not followed: one could lead out of the app directory.
                    if (file.LinkTarget is not null || path.Split('/').Any(AppDirectory.IsHiddenName))
                    {
                        continue;
                    }

                    await AddFileAsync(zip, output, file, $"{folder}/{path}", cancellationToken);
                }
            }

            // Disposing the archive wrote its central directory.
            await output.FlushAsync(cancellationToken);
        }
    }

    private static async Task AddFileAsync(ZipArchive zip, DrainingWriteStream output, FileInfo file, string name, CancellationToken cancellationToken)
    {
        FileStream source;
        try
        {
            source = new FileStream(file.FullName, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return; // Deleted (or locked away) by a generation that is still running.
        }

        await using (source)
        {
            var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
            entry.LastWriteTime = file.LastWriteTime;
            var chunk = new byte[64 * 1024];
            using (var target = entry.Open())
            {
                int read;
                while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    target.Write(chunk, 0, read);
                    await output.DrainAsync(cancellationToken);
                }
            }

            await output.DrainAsync(cancellationToken);
        }
    }
}
