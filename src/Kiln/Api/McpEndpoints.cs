using Kiln.Projects;
using Kiln.Tools;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Kiln.Api;

/// <summary>
/// <c>/mcp/{projectId}</c>: a project's tools over Streamable HTTP MCP, for any MCP client (Claude Code, Claude Desktop,
/// Cursor, the inspector), guarded like the rest of the API and, on top of that, by the project's own token, which
/// <c>GET /api/projects/{projectId}/mcp</c> hands out.
/// </summary>
public static class McpEndpoints
{
    /// <summary>
    /// The header that carries the project's token when <c>Authorization</c> carries Kiln's own (<c>Kiln:Auth:Token</c>).
    /// Without Kiln's token, either header will do.
    /// </summary>
    public const string TokenHeader = "Kiln-Mcp-Token";

    public static IServiceCollection AddProjectMcp(this IServiceCollection services)
    {
        services.AddMcpServer().WithHttpTransport(options => options.ConfigureSessionOptions = (context, mcpOptions, _) =>
        {
            var projectId = (string)context.GetRouteValue("projectId")!;
            var project = context.RequestServices.GetRequiredService<ProjectToolset>().CreateServerOptions(projectId);
            mcpOptions.ServerInfo = project.ServerInfo;
            mcpOptions.ServerInstructions = project.ServerInstructions;
            mcpOptions.ToolCollection = project.ToolCollection;
            foreach (var filter in project.Filters.Request.CallToolFilters)
            {
                mcpOptions.Filters.Request.CallToolFilters.Add(filter);
            }

            return Task.CompletedTask;
        });
        return services;
    }

    /// <summary>Maps the MCP endpoint and the API operation that says how to connect to it.</summary>
    public static IEndpointRouteBuilder MapProjectMcp(this IEndpointRouteBuilder routes)
    {
        var maxFileBytes = routes.ServiceProvider.GetRequiredService<IOptions<ToolsOptions>>().Value.MaxFileBytes;
        routes.MapMcp("/mcp/{projectId}")
            .WithMetadata(new ProjectScoped(), new McpRequestSizeLimit(MaxRequestBodyBytes(maxFileBytes)))
            .WithTags(ApiTags.Mcp);

        routes.MapGet("/api/projects/{projectId}/mcp", GetConnectionAsync)
            .WithTags(ApiTags.Mcp)
            .WithName("GetMcpConnection")
            .WithSummary("The URL of the project's MCP endpoint and the token it needs")
            .WithDescription(
                $"Send the token as 'Authorization: Bearer <token>'. When Kiln was started with a token (Kiln:Auth:Token), " +
                $"'Authorization' carries that one and the project's token goes in '{TokenHeader}: <token>'. " +
                "The token is the same on every call and is revoked when the project is deleted.");
        return routes;
    }

    private static async Task<Results<Ok<McpConnectionResponse>, NotFoundProblem>> GetConnectionAsync(
        string projectId, McpTokens tokens, HttpRequest request, CancellationToken cancellationToken) =>
        await tokens.GetOrCreateAsync(projectId, cancellationToken) is { } token
            ? TypedResults.Ok(new McpConnectionResponse($"{request.Scheme}://{request.Host}{request.PathBase}/mcp/{projectId}", token))
            : Problems.ProjectNotFound(projectId);

    /// <summary>
    /// Refuses an MCP request without the project's token (401). Every request is checked: the MCP server is stateless,
    /// so each one is served by a server made for the project its URL names. MCP endpoints are plain request delegates,
    /// which endpoint filters do not run for, so this is a middleware after authorization, before the body is read.
    /// </summary>
    public static IApplicationBuilder UseProjectMcpGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ProjectScoped>() is null || context.GetRouteValue("projectId") is not string projectId)
        {
            await next(context);
            return;
        }

        var kilnTokenInUse = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled;
        var presented = PresentedToken(context.Request, kilnTokenInUse);
        if (presented is null)
        {
            await Refuse(context, McpProblems.TokenMissing(projectId, kilnTokenInUse));
            return;
        }

        // An unknown project and a deleted one answer as a wrong token does: no token is valid for either, and a
        // different answer would tell a caller without any token which ids exist.
        if (!await context.RequestServices.GetRequiredService<McpTokens>().IsValidAsync(projectId, presented, context.RequestAborted))
        {
            await Refuse(context, McpProblems.TokenRefused(projectId), "error=\"invalid_token\"");
            return;
        }

        await next(context);
    });

    private static string? PresentedToken(HttpRequest request, bool kilnTokenInUse)
    {
        if (request.Headers[TokenHeader].ToString() is { Length: > 0 } dedicated)
        {
            return dedicated.Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return !kilnTokenInUse && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;
    }

    private static async Task Refuse(HttpContext context, UnauthorizedProblem problem, string? error = null)
    {
        context.Response.Headers.WWWAuthenticate = error is null ? "Bearer realm=\"kiln-mcp\"" : $"Bearer realm=\"kiln-mcp\", {error}";
        await problem.ExecuteAsync(context);
    }

    /// <summary>
    /// The largest MCP request body: enough for a <c>write_file</c> of <c>Kiln:Tools:MaxFileBytes</c> however its JSON
    /// is escaped (System.Text.Json, as MCP clients built on it send, writes each of <c>&lt; &gt; &amp; '</c> and every
    /// control character as six bytes), plus room for the envelope. So a file the tool accepts is never refused by the
    /// server first, and one it refuses reaches it and comes back as a tool error that says the limit, which the model
    /// can act on; an HTTP 413 only tells an MCP client that something failed.
    /// </summary>
    internal static long MaxRequestBodyBytes(int maxFileBytes) => 6L * maxFileBytes + ApiServiceCollectionExtensions.MaxRequestBodyBytes;

    private sealed class ProjectScoped;

    /// <summary>Read by routing, which sets the request's body limit to it before the MCP SDK reads the body.</summary>
    private sealed record McpRequestSizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
