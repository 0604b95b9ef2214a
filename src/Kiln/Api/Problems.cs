namespace Kiln.Api;

/// <summary>The API's error answers, each a ProblemDetails with a sentence a person can act on.</summary>
public static class Problems
{
    public static NotFoundProblem ProjectNotFound(string projectId) => new(
        "Project not found",
        $"There is no project '{projectId}'. GET /api/projects lists the projects that exist.");

    public static NotFoundProblem SecretNotFound(string name) => new(
        "Secret not found",
        $"The project has no secret '{name}'. GET /api/projects/{{id}}/secrets lists its secrets.");

    public static NotFoundProblem FileNotFound(string path) => new(
        "File not found",
        $"The app has no file '{path}'. GET /api/projects/{{id}}/files lists its files.");

    public static NotFoundProblem ScreenshotNotFound(string projectId, int version, string path) => new(
        "Screenshot not found",
        $"Version {version} has no screenshot of '{path}': no check of that page was made while it was the app. GET /api/projects/{projectId}/versions/{version}/screenshots lists the pages it has.");

    public static ConflictProblem Busy(string projectId) => new(
        "A generation is already running",
        $"Project '{projectId}' is still generating. Wait for it to finish, or POST /api/projects/{projectId}/cancel, then send the follow-up.");

    // 409, not 429 or 507: the collection's state (how many projects it holds) conflicts with adding one, and the person
    // can resolve that and send the same request again (RFC 9110 15.5.10). 429 is for a request rate and tells a client
    // to wait and retry, which would never help here; 507 is WebDAV's "no room to store this", about storage, not a count;
    // 403 would say this client may never create one.
    public static ConflictProblem ProjectQuotaReached(int maxProjects) => new(
        "Too many projects",
        $"This Kiln holds {maxProjects} projects, the most it allows (Kiln:Quotas:MaxProjects). Delete projects you no longer need " +
        "(DELETE /api/projects/{id}), or raise Kiln:Quotas:MaxProjects, then send the prompt again. Follow-ups to existing projects still work.");

    public static ConflictProblem NothingToCancel(string projectId) => new(
        "Nothing to cancel",
        $"Project '{projectId}' has no queued or running generation.");

    public static BadRequestProblem BadRequest(string title, string detail) => new(title, detail);

    public static BadRequestProblem UnknownHost(string host) => new(
        "Unknown host",
        $"Kiln does not answer to the host '{host}': a name it does not know may be another site's name pointed at this machine (DNS rebinding). " +
        "Open Kiln at localhost or 127.0.0.1, or add the name to Kiln:PublicOrigins (or AllowedHosts).");

    public static ForbiddenProblem ForeignOrigin(string from) => new(
        "Refused from another origin",
        $"A page on {from} may not change anything in Kiln or read its event streams: only Kiln's own pages, and programs that are not browsers, may. " +
        "To let a front end of your own on another origin call the API, add its origin to Kiln:Cors:Origins (or Kiln:PublicOrigins when it is Kiln's UI behind a proxy).");

    public static ServiceUnavailableProblem ShuttingDown(TimeSpan retryAfter) => new(
        "Kiln is stopping",
        $"This instance is shutting down and takes no new generation; the ones it runs are finishing. Send the request again in {retryAfter.TotalSeconds:0} seconds (Retry-After): another instance, or this one once it is back, will take it.");

    public static UnprocessableProblem NoErrorsToFix(string projectId) => new(
        "No errors to fix",
        $"Project '{projectId}' has no open errors: its build, dev server and preview page reported none since its last generation started. " +
        $"GET /api/projects/{projectId}/errors lists them; to change the app, POST /api/generate with a prompt.");
}

/// <summary>The versions API's error answers (see <see cref="VersionEndpoints"/>).</summary>
public static class VersionProblems
{
    public static BadRequestProblem BadVersion(string text) => new(
        "Not a version",
        $"'{text}' does not name a version. {Versions.VersionRef.Help}");

    public static NotFoundProblem VersionNotFound(string projectId, string text) => new(
        "Version not found",
        $"Project '{projectId}' has no version '{text}' (or the hash prefix matches several; give more digits). GET /api/projects/{projectId}/versions lists its versions.");

    public static NotFoundProblem FileNotInVersion(string projectId, int version, string path) => new(
        "File not found",
        $"Version {version} has no file '{path}'. GET /api/projects/{projectId}/versions/{version}/diff shows what it changed.");

    public static NotFoundProblem ScreenshotNotFound(string projectId, int version, string path) => new(
        "Screenshot not found",
        $"Version {version} has no screenshot of '{path}': no check of that page was made while it was the app. GET /api/projects/{projectId}/versions/{version}/screenshots lists the pages it has.");

    public static ConflictProblem Busy(string projectId) => new(
        "A generation is queued or running",
        $"Project '{projectId}' is generating, so its files cannot be restored now. Wait for it to finish, or POST /api/projects/{projectId}/cancel, then restore.");

    public static ServiceUnavailableProblem HistoryUnavailable(string reason) => new(
        "The version history could not be read",
        $"Kiln could not run git on this project: {reason} Check that git is installed on the server and that the sandbox works (GET /healthz, the server log).");
}

/// <summary>The refusals of a hand edit (PUT and DELETE of a file, see <see cref="FileEndpoints"/>).</summary>
public static class FileProblems
{
    public static PreconditionFailedProblem Changed(string projectId, string path, string? currentTag) => new(
        "The file changed since you read it",
        currentTag is null
            ? $"'{path}' changed since you read it: it does not exist any more. Nothing was written. " +
              $"GET /api/projects/{projectId}/files/{path} to see what is there now, then send your change again (without If-Match to create it)."
            : $"'{path}' changed since you read it (If-Match names another version; it is now {currentTag}), or it exists and If-None-Match: * said it must not. Nothing was written, so neither change is lost. " +
              $"GET /api/projects/{projectId}/files/{path} for its current content and ETag, merge your change into it, and PUT it again with If-Match: {currentTag}.");

    public static ConflictProblem Busy(string projectId) => new(
        "A generation is writing the app",
        $"Project '{projectId}' is generating, and the agent may be writing the same files, so they cannot be edited by hand now. " +
        $"Wait for it to finish (GET /api/projects/{projectId}/status), or POST /api/projects/{projectId}/cancel, then save again.");

    public static ConflictProblem NoRoom(string reason) => new("No room for the file", reason);

    public static PayloadTooLargeProblem TooLarge(string reason) => new("The file is too big", reason);

    public static BadRequestProblem PathRefused(string reason) => new("Path refused", reason);
}

/// <summary>The MCP endpoint's refusals (see <see cref="McpEndpoints"/>).</summary>
public static class McpProblems
{
    public static UnauthorizedProblem TokenMissing(string projectId, bool kilnTokenInUse) => new(
        "The project's MCP token is required",
        (kilnTokenInUse
            ? $"Kiln was started with a token, which goes in 'Authorization: Bearer <Kiln's token>'; send the project's MCP token in '{McpEndpoints.TokenHeader}: <token>' as well."
            : $"Send the project's MCP token as 'Authorization: Bearer <token>' (or '{McpEndpoints.TokenHeader}: <token>').") +
        $" GET /api/projects/{projectId}/mcp gives the URL and the token.");

    public static UnauthorizedProblem TokenRefused(string projectId) => new(
        "The MCP token is not valid for this project",
        $"The token is not project '{projectId}''s: it belongs to another project, or was revoked when its project was deleted, or the project does not exist. " +
        $"GET /api/projects/{projectId}/mcp gives the project's current token.");
}
