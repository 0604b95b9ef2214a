namespace Kiln.Api;

/// <summary>
/// The tags that group the API's operations, each with what it groups: the endpoints name them with
/// <c>WithTags</c>, and <see cref="ApiDocumentTransformer"/> describes them in the OpenAPI document.
/// </summary>
public static class ApiTags
{
    public const string Generate = "Generate";
    public const string Projects = "Projects";
    public const string Files = "Files";
    public const string Events = "Events";
    public const string Preview = "Preview";
    public const string Errors = "Errors";
    public const string Versions = "Versions";
    public const string Sites = "Sites";
    public const string Import = "Import";
    public const string Environment = "Environment";
    public const string Git = "Git";
    public const string Fleet = "Fleet";

    /// <summary>The project MCP endpoint's tag (the MCP SDK leaves the endpoint itself out of the OpenAPI document) and the operation that hands out its token.</summary>
    public const string Mcp = "MCP";

    /// <summary>Every tag the document lists, in the order a reader meets them.</summary>
    public static IReadOnlyList<(string Name, string Description)> All { get; } =
    [
        (Generate, "Turn a prompt into a running web app, or change one with a follow-up prompt. A generation runs in the background; follow it on the project's events."),
        (Projects, "The projects Kiln has built: their prompts, status, usage and cost, and the generation running in each."),
        (Files, "The files of a project's app as they are now, one by one or as a zip."),
        (Events, "What happens in a project, as it happens: every event after a given seq, then live ones. " +
            "The same stream is served over a WebSocket at /ws/{projectId}?after=N, one JSON event per text message."),
        (Preview, "The page that frames a project's running app, which is served on its own preview origin. It needs no token: the project's id is the capability, as with a shared link."),
        (Errors, "The errors of a project's running app (failed builds, dev server compile errors, errors its page threw), and the request to fix them."),
        (Versions, "A project's versions, one per generation, read from the app's git history: what each changed, its files, and restoring one."),
        (Mcp, "A project's tools (files, commands, dev server, check_app) for any MCP client, over Streamable HTTP at /mcp/{projectId}, with the project's own token."),
        (Import, "Bringing an existing app into Kiln as a new project: a zip of its folder, unpacked safely, becomes its first version, installed and started."),
        (Environment, "A project's environment variables and secrets, which its dev server, builds and commands get. Secrets are stored encrypted and listed by name only: their values never appear in an answer, an event, a log, a download, a version or anything sent to the model."),
        (Git, "Pushing a project's version history to a branch of an https git remote (GitHub, GitLab, Gitea, any smart-HTTP server) with a token passed to git per push, and the remote, branch and token Kiln remembers for the next push."),
        (Sites, "Publishing a project's app: each publish builds it and stores an immutable release, served on the project's own site origin (s-{id}.localhost, or a configured domain) with no dev server; its releases, rolling back, and taking the site down."),
        (Fleet, "The Kiln instances serving this API together (one alone), each owning some projects: who they are and how loaded."),
    ];
}
