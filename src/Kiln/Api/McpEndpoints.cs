using Kiln.Projects;
using Kiln.Tools;

namespace Kiln.Api;

/// <summary>
/// <c>/mcp/{projectId}</c>: a project's tools over Streamable HTTP MCP, for any MCP client (Claude Code,
/// Claude Desktop, Cursor, the inspector). Guarded like the rest of the API.
/// </summary>
public static class McpEndpoints
{
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

    public static IEndpointConventionBuilder MapProjectMcp(this IEndpointRouteBuilder routes) =>
        routes.MapMcp("/mcp/{projectId}").WithMetadata(new ProjectScoped()).WithTags(ApiTags.Mcp);

    /// <summary>
    /// Answers 404 for an MCP request to a project that does not exist. MCP endpoints are plain request
    /// delegates, which endpoint filters do not run for, so this check is a middleware after authorization.
    /// </summary>
    public static IApplicationBuilder UseProjectMcpGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ProjectScoped>() is not null
            && context.GetRouteValue("projectId") is string projectId
            && await ProjectEndpoints.FindAsync(context.RequestServices.GetRequiredService<IProjectStore>(), projectId, context.RequestAborted) is null)
        {
            await Problems.ProjectNotFound(projectId).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    private sealed class ProjectScoped;
}
