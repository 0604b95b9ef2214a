using System.Text;
using System.Text.Json;

namespace Kiln.Preview;

/// <summary>
/// <c>/__kiln/select.js</c> on a preview origin: select-to-edit's script (<c>kiln-select.js</c>), which every preview
/// page loads after the error reporter. It is told Kiln's UI origins (<see cref="PreviewResponseHeaders.UiOrigins"/>),
/// the pages that may frame the preview, as they are for this request: it answers their messages alone, and posts
/// where an element is written to the one that asked and nowhere else.
/// </summary>
public sealed class PreviewSelectScript(PreviewResponseHeaders headers)
{
    public const string ScriptPath = "/__kiln/select.js";

    private const string Resource = "Preview/kiln-select.js";
    private const string OriginsPlaceholder = "/*KILN_UI_ORIGINS*/ []";

    private static readonly string Script = LoadScript();

    public static bool Handles(PathString path) => path.Equals(ScriptPath, StringComparison.OrdinalIgnoreCase);

    public async Task ServeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await TypedResults.Problem(
                title: "Method not allowed", detail: $"{ScriptPath} is a script: GET it.", statusCode: StatusCodes.Status405MethodNotAllowed)
                .ExecuteAsync(context);
            return;
        }

        // As a browser writes an origin in MessageEvent.origin: no default port.
        var origins = headers.UiOrigins(context.Request).Select(origin => new Uri(origin).GetLeftPart(UriPartial.Authority)).Distinct();
        var body = Encoding.UTF8.GetBytes(Script.Replace(OriginsPlaceholder, JsonSerializer.Serialize(origins), StringComparison.Ordinal));
        context.Response.ContentType = "text/javascript; charset=utf-8";
        // The origins depend on the port the request came to: never reused for another.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.ContentLength = body.Length;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static string LoadScript()
    {
        using var stream = typeof(PreviewSelectScript).Assembly.GetManifestResourceStream(Resource)
                           ?? throw new InvalidOperationException($"The embedded resource {Resource} is missing from Kiln's assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var script = reader.ReadToEnd();
        return script.Contains(OriginsPlaceholder, StringComparison.Ordinal)
            ? script
            : throw new InvalidOperationException($"{Resource} has lost its origins placeholder, {OriginsPlaceholder}.");
    }
}
