using Microsoft.AspNetCore.Diagnostics;

namespace Kiln.Api;

/// <summary>
/// Turns a request the framework could not bind (malformed JSON, a wrong content type, a body too large,
/// a query value of the wrong type, a charset it cannot decode) into a ProblemDetails that says what was wrong, instead of a bare status.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // A JSON body bound by the framework whose Content-Type names a charset .NET cannot decode: the framework
        // throws while reading it, before any handler could look.
        if (exception is InvalidOperationException { InnerException: ArgumentException } &&
            GenerateEndpoints.UnknownCharset(httpContext.Request) is { } charset)
        {
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = "Send JSON as UTF-8",
                    Detail = $"The Content-Type names the charset '{charset}', which Kiln cannot decode. Send the body as UTF-8 (Content-Type: application/json).",
                },
            });
        }

        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        httpContext.Response.StatusCode = badRequest.StatusCode;
        var detail = badRequest.InnerException is System.Text.Json.JsonException json
            ? $"The body is not valid JSON for this request: {json.Message}"
            : badRequest.Message;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large",
                    StatusCodes.Status415UnsupportedMediaType => "Send JSON with Content-Type: application/json",
                    _ => "The request could not be read",
                },
                Detail = detail,
            },
        });
    }
}
