using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>The API's error answers, each a ProblemDetails with a sentence a person can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult ProjectNotFound(string projectId) => TypedResults.Problem(
        title: "Project not found",
        detail: $"There is no project '{projectId}'. GET /api/projects lists the projects that exist.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult FileNotFound(string path) => TypedResults.Problem(
        title: "File not found",
        detail: $"The app has no file '{path}'. GET /api/projects/{{id}}/files lists its files.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Busy(string projectId) => TypedResults.Problem(
        title: "A generation is already running",
        detail: $"Project '{projectId}' is still generating. Wait for it to finish, or POST /api/projects/{projectId}/cancel, then send the follow-up.",
        statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult NothingToCancel(string projectId) => TypedResults.Problem(
        title: "Nothing to cancel",
        detail: $"Project '{projectId}' has no queued or running generation.",
        statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult NoErrorsToFix(string projectId) => TypedResults.Problem(
        title: "No errors to fix",
        detail: $"Project '{projectId}' has no open errors: its build, dev server and preview page reported none since its last generation started. " +
                $"GET /api/projects/{projectId}/errors lists them; to change the app, POST /api/generate with a prompt.",
        statusCode: StatusCodes.Status422UnprocessableEntity);
}
