using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Kiln.Events;
using Kiln.Projects;
using Microsoft.Net.Http.Headers;

namespace Kiln.Preview;

/// <summary>
/// Kiln's own two addresses on a preview origin: <c>/__kiln/errors.js</c>, the reporter every preview page loads,
/// and <c>/__kiln/errors</c>, where it reports. The report endpoint takes nothing else: POST only, JSON only, a
/// few KB at most, from the preview's own origin only, and a few reports a second per project. It reaches the
/// project's error list and nothing more; the API stays unreachable from a preview origin.
/// </summary>
public sealed partial class PreviewErrorEndpoint(PreviewErrors errors, IProjectStore store, ProjectWorkspace workspace) : IDisposable
{
    public const string ScriptPath = "/__kiln/errors.js";
    public const string ReportPath = "/__kiln/errors";
    public const int MaxBodyBytes = 8 * 1024;
    public const int MaxErrorsPerReport = 10;

    private static readonly PathString Prefix = new("/__kiln");
    private static readonly byte[] Script = LoadScript();

    // A burst of 10 reports, then 2 a second, per project: the page's reporter sends at most one a second.
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(projectId =>
        RateLimitPartition.GetTokenBucketLimiter(projectId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 10,
            TokensPerPeriod = 2,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>True for every path under <c>/__kiln</c>: Kiln keeps it for itself on every preview origin.</summary>
    public static bool Handles(PathString path) => path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase);

    public async Task HandleAsync(HttpContext context, string projectId)
    {
        var path = context.Request.Path;
        if (path.Equals(ScriptPath, StringComparison.OrdinalIgnoreCase))
        {
            await ServeScriptAsync(context);
        }
        else if (path.Equals(ReportPath, StringComparison.OrdinalIgnoreCase))
        {
            await ReceiveAsync(context, projectId);
        }
        else
        {
            await ProblemAsync(context, StatusCodes.Status404NotFound, "Not found",
                $"Kiln keeps /__kiln/ on preview origins for itself; it serves only {ScriptPath} and {ReportPath} there.");
        }
    }

    private static async Task ServeScriptAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await ProblemAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed", $"{ScriptPath} is a script: GET it.");
            return;
        }

        context.Response.ContentType = "text/javascript; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.ContentLength = Script.Length;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(Script, context.RequestAborted);
        }
    }

    private async Task ReceiveAsync(HttpContext context, string projectId)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await ProblemAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
                $"{ReportPath} takes error reports as POST with a JSON body; the preview page's reporter sends them.");
            return;
        }

        if (!IsOwnOrigin(request))
        {
            await ProblemAsync(context, StatusCodes.Status403Forbidden, "Not from this preview",
                "Error reports are taken only from a page of this preview's own origin (its Origin header must be the preview's).");
            return;
        }

        if (!IsJson(request.ContentType))
        {
            await ProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "JSON only",
                "Send the report as application/json: {\"errors\": [{\"kind\", \"message\", \"file\", \"line\", \"column\", \"stack\", \"count\"}]}.");
            return;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            await TooLargeAsync(context);
            return;
        }

        using var lease = _limiter.AttemptAcquire(projectId);
        if (!lease.IsAcquired)
        {
            context.Response.Headers.RetryAfter = "1";
            await ProblemAsync(context, StatusCodes.Status429TooManyRequests, "Too many reports",
                "This preview sent more error reports than Kiln takes (a few a second); identical errors are counted, so wait and send them together.");
            return;
        }

        var body = await ReadBodyAsync(request, context.RequestAborted);
        if (body is null)
        {
            await TooLargeAsync(context);
            return;
        }

        ClientErrorReport? report;
        try
        {
            report = JsonSerializer.Deserialize(body, PreviewJsonContext.Default.ClientErrorReport);
        }
        catch (JsonException exception)
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "Not a report", $"The body is not an error report: {exception.Message}");
            return;
        }

        if (report?.Errors is not { Count: > 0 and <= MaxErrorsPerReport } reported)
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "Not a report",
                $"A report holds 1 to {MaxErrorsPerReport} errors in \"errors\".");
            return;
        }

        if (await store.GetAsync(projectId, context.RequestAborted) is null)
        {
            await PreviewPages.NotFoundAsync(context, projectId);
            return;
        }

        var origin = $"{request.Scheme}://{request.Host.Value}";
        var appRoot = workspace.AppDirectory(projectId);
        foreach (var error in reported)
        {
            if (error is null || string.IsNullOrWhiteSpace(error.Message))
            {
                continue;
            }

            await errors.ReportAsync(projectId, new PreviewErrorReport(
                PreviewErrorSource.Runtime,
                error.Kind switch
                {
                    "unhandledrejection" => $"Unhandled promise rejection: {error.Message}",
                    "console" => $"console.error: {error.Message}",
                    _ => error.Message,
                },
                FileOf(error.File, origin, appRoot),
                error.Line,
                error.Column,
                error.Stack is null ? null : CacheBusters().Replace(error.Stack.Replace(origin + "/", "/", StringComparison.Ordinal), ""),
                Math.Clamp(error.Count ?? 1, 1, 100_000)), CancellationToken.None);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>A script's URL on this origin as the app's path (<c>src/App.tsx</c>); any other URL as it is.</summary>
    private static string? FileOf(string? url, string origin, string appRoot)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        if (!url.StartsWith(origin + "/", StringComparison.OrdinalIgnoreCase))
        {
            return url.StartsWith("file://", StringComparison.Ordinal) ? ErrorText.RelativeToApp(url, appRoot) : url;
        }

        var path = url[(origin.Length + 1)..];
        var query = path.IndexOfAny(['?', '#']);
        path = query >= 0 ? path[..query] : path;
        // Vite serves files outside its root as /@fs/{absolute path}.
        return path.StartsWith("@fs/", StringComparison.Ordinal) ? ErrorText.RelativeToApp(path[3..], appRoot) : Uri.UnescapeDataString(path);
    }

    /// <summary>
    /// The browser's Origin header names this very preview origin. Browsers send it with every POST from a page, and
    /// a page of another origin (another preview, the API's own, any site) cannot forge it.
    /// </summary>
    private static bool IsOwnOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site != "same-origin")
        {
            return false;
        }

        return Uri.TryCreate(request.Headers.Origin.ToString(), UriKind.Absolute, out var origin)
            && origin.Scheme is "http" or "https"
            && string.Equals(origin.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body, or null when it is larger than <see cref="MaxBodyBytes"/> (a chunked body says so only as it comes).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBodyBytes + 1];
        var read = 0;
        while (read < buffer.Length)
        {
            var count = await request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (count == 0)
            {
                return buffer[..read];
            }

            read += count;
        }

        return null;
    }

    private static Task TooLargeAsync(HttpContext context) => ProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "Report too large",
        $"An error report may be at most {MaxBodyBytes} bytes; send fewer errors or shorter stacks.");

    private static Task ProblemAsync(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(context);

    private static byte[] LoadScript()
    {
        using var stream = typeof(PreviewErrorEndpoint).Assembly.GetManifestResourceStream("Preview/kiln-errors.js")
            ?? throw new InvalidOperationException("The preview error reporter (Preview/kiln-errors.js) is not embedded in Kiln.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    public void Dispose() => _limiter.Dispose();

    [GeneratedRegex(@"[?&](?:t|v|import)=[\w.-]*")]
    private static partial Regex CacheBusters();
}

/// <summary>What the preview page's reporter posts to <c>/__kiln/errors</c>.</summary>
public sealed record ClientErrorReport(List<ClientError?>? Errors);

/// <summary>One error as the page saw it; <c>Kind</c> is <c>error</c>, <c>unhandledrejection</c> or <c>console</c>.</summary>
public sealed record ClientError(string? Kind, string? Message, string? File, int? Line, int? Column, string? Stack, int? Count);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ClientErrorReport))]
internal sealed partial class PreviewJsonContext : JsonSerializerContext;
