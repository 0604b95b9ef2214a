namespace Kiln.Api;

/// <summary>
/// Gives every ProblemDetails a detail a person can act on. Kiln's own problems carry one; those the framework writes
/// (no route matched, a method or Content-Type the route does not take, a validation problem that only lists its
/// errors) would otherwise say no more than their status.
/// </summary>
public static class ProblemDefaults
{
    private const string Document = "The API's operations, with the methods and bodies each takes, are listed at /openapi/v1.json.";

    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!string.IsNullOrWhiteSpace(problem.Detail))
        {
            return;
        }

        var request = context.HttpContext.Request;
        var target = $"{request.Method} {request.Path}";
        problem.Detail = problem switch
        {
            HttpValidationProblemDetails { Errors.Count: > 0 } validation =>
                string.Join(" ", validation.Errors.SelectMany(error => error.Value)),
            _ => problem.Status switch
            {
                StatusCodes.Status404NotFound => $"Nothing answers {target}. {Document}",
                StatusCodes.Status405MethodNotAllowed => context.HttpContext.Response.Headers.Allow is { Count: > 0 } allow
                    ? $"{request.Path} does not take {request.Method}; it takes {allow}."
                    : $"{request.Path} does not take {request.Method}. {Document}",
                StatusCodes.Status415UnsupportedMediaType =>
                    $"{target} does not take a body of type '{request.ContentType ?? "none"}'. {Document}",
                _ => $"{target} answered {problem.Status}: {problem.Title}.",
            },
        };
    }
}
