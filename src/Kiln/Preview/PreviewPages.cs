using System.Text;
using System.Text.Encodings.Web;

namespace Kiln.Preview;

/// <summary>
/// The few pages Kiln itself shows on a preview origin (starting, failed, nothing here), and the API's page that
/// frames a preview. Small, self-contained HTML: no script, every value encoded.
/// </summary>
public static class PreviewPages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>The page at <c>/api/projects/{id}/preview</c>: the app in a frame on its own origin.</summary>
    public static string Frame(string projectId, Uri previewUrl) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Preview · {{Html.Encode(projectId)}}</title>
        <style>html,body{margin:0;height:100%;background:#f6f6f4}iframe{display:block;border:0;width:100%;height:100%}</style>
        </head>
        <body>
        <iframe src="{{Html.Encode(previewUrl.ToString())}}" title="Preview of project {{Html.Encode(projectId)}}"
                sandbox="allow-scripts allow-same-origin allow-forms allow-modals allow-popups allow-downloads"></iframe>
        </body>
        </html>
        """;

    public static Task NotFoundAsync(HttpContext context, string label) => WriteAsync(
        context, StatusCodes.Status404NotFound, "No such project",
        $"There is no project '{label}'. The preview address is p-{{project id}} followed by Kiln's preview domain; GET /api/projects lists the projects.");

    public static Task NothingYetAsync(HttpContext context, string reason) => WriteAsync(
        context, StatusCodes.Status404NotFound, "Nothing to preview yet", reason);

    /// <summary>Shown while a dev server starts; it reloads itself until the app answers.</summary>
    public static Task StartingAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Starting the dev server…",
            "The app's dev server is starting. This page reloads by itself when it is ready.", refreshSeconds: 1);
    }

    public static Task FailedAsync(HttpContext context, string failure, IReadOnlyList<string> output) => WriteAsync(
        context, StatusCodes.Status502BadGateway, "The dev server is not running",
        $"{failure} Reload this page to try again.", output);

    public static Task UnreachableAsync(HttpContext context) => WriteAsync(
        context, StatusCodes.Status502BadGateway, "The dev server did not answer",
        "The app's dev server stopped answering. Reload this page in a moment.");

    private static async Task WriteAsync(
        HttpContext context, int status, string title, string message, IReadOnlyList<string>? output = null, int? refreshSeconds = null)
    {
        var page = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        if (refreshSeconds is { } seconds)
        {
            page.Append("<meta http-equiv=\"refresh\" content=\"").Append(seconds).Append("\">");
        }

        page.Append("<title>").Append(Html.Encode(title)).Append("</title>")
            .Append("<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:44rem;padding:0 1rem;color:#222}")
            .Append("pre{background:#f3f3f1;padding:1rem;overflow:auto;font-size:13px}</style></head><body>")
            .Append("<h1>").Append(Html.Encode(title)).Append("</h1>")
            .Append("<p>").Append(Html.Encode(message)).Append("</p>");
        if (output is { Count: > 0 })
        {
            page.Append("<pre>").Append(Html.Encode(string.Join('\n', output))).Append("</pre>");
        }

        page.Append("</body></html>");

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(page.ToString(), context.RequestAborted);
    }
}
