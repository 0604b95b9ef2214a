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

    public static ProblemHttpResult ShuttingDown(TimeSpan retryAfter) => TypedResults.Problem(
        title: "Kiln is stopping",
        detail: $"This instance is shutting down and takes no new generation; the ones it runs are finishing. Send the request again in {retryAfter.TotalSeconds:0} seconds (Retry-After): another instance, or this one once it is back, will take it.",
        statusCode: StatusCodes.Status503ServiceUnavailable);

    public static ProblemHttpResult NoErrorsToFix(string projectId) => TypedResults.Problem(
        title: "No errors to fix",
        detail: $"Project '{projectId}' has no open errors: its build, dev server and preview page reported none since its last generation started. " +
                $"GET /api/projects/{projectId}/errors lists them; to change the app, POST /api/generate with a prompt.",
        statusCode: StatusCodes.Status422UnprocessableEntity);
}

/// <summary>The versions API's error answers (see <see cref="VersionEndpoints"/>).</summary>
public static class VersionProblems
{
    public static ProblemHttpResult BadVersion(string text) => TypedResults.Problem(
        title: "Not a version",
        detail: $"'{text}' does not name a version. {Versions.VersionRef.Help}",
        statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult VersionNotFound(string projectId, string text) => TypedResults.Problem(
        title: "Version not found",
        detail: $"Project '{projectId}' has no version '{text}' (or the hash prefix matches several; give more digits). GET /api/projects/{projectId}/versions lists its versions.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Busy(string projectId) => TypedResults.Problem(
        title: "A generation is queued or running",
        detail: $"Project '{projectId}' is generating, so its files cannot be restored now. Wait for it to finish, or POST /api/projects/{projectId}/cancel, then restore.",
        statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult HistoryUnavailable(string reason) => TypedResults.Problem(
        title: "The version history could not be read",
        detail: $"Kiln could not run git on this project: {reason} Check that git is installed on the server and that the sandbox works (GET /healthz, the server log).",
        statusCode: StatusCodes.Status503ServiceUnavailable);
}
