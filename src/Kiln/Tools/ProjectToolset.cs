
using System.Reflection;
using System.Text;
using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>
/// Builds the MCP server options that expose Kiln's tools for one project. Every runtime reaches the tools
/// through an MCP server built here (in-process for the agent loops, Streamable HTTP at <c>/mcp/{id}</c>),
/// so validation, error results and the <c>tool_executed</c> event are the same whoever calls.
/// </summary>
public sealed class ProjectToolset(
    IServiceProvider services, ProjectWorkspace workspace, EventLog events, ProjectActivity activity, HostPaths hostPaths, ProjectEnvironment environment)
{
    /// <summary>The classes whose <c>[McpServerTool]</c> methods are Kiln's tools.</summary>
    private static readonly Type[] ToolTypes = [typeof(FileTools), typeof(ScaffoldTools), typeof(CommandTools), typeof(PreviewTools), typeof(BrowserTools)];

    public const string ServerName = "kiln";

    /// <summary>Most characters of a failed call's result kept in its <c>tool_executed</c> event; the model gets all of it.</summary>
    public const int MaxEventErrorChars = 2000;

    /// <param name="projectId">The project whose app the tools act on.</param>
    /// <param name="readOnly">
    /// Only the tools that change nothing (their <c>ReadOnly</c> annotation): what a plan prompt's agent may use, whatever
    /// the runtime, since every runtime gets its tools from here.
    /// </param>
    public McpServerOptions CreateServerOptions(string projectId, bool readOnly = false)
    {
        var context = new ToolContext(
            projectId, new AppDirectory(workspace.AppDirectory(projectId)), events, new FileProvenance(workspace.ScaffoldManifest(projectId)));
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = ServerName, Version = typeof(ProjectToolset).Assembly.GetName().Version?.ToString() ?? "1.0" },
            ToolCollection = [.. CreateTools(context).Where(tool => !readOnly || IsReadOnly(tool))],
            ServerInstructions = "Kiln's tools act on one web app's directory. Paths are relative to it; commands run in a sandbox inside it.",
        };
        options.Filters.Request.CallToolFilters.Add(next => async (request, cancellationToken) =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            // Every call is use, whoever makes it (the agent, any MCP client): the cleanup never removes a project mid-call.
            using var use = activity.BeginUse(projectId);
            using var span = KilnTelemetry.StartToolCall(projectId, request.Params?.Name ?? "?");
            CallToolResult result;
            try
            {
                result = await next(request, cancellationToken);
            }
            catch (Exception exception) when (IsToolError(exception))
            {
                // The model's mistake or the disk's answer: a result it can read and act on.
                result = Error(exception.Message);
            }

            // What a command printed or an exception said may name where the app lives on the host; the model works relative to it.
            // And a secret of the project never reaches the model, whichever tool came across it (a command's output, a
            // file a command wrote, the dev server's log).
            var redactor = (await environment.ForProcessesAsync(projectId, CancellationToken.None)).Redactor;
            foreach (var block in result.Content.OfType<TextContentBlock>())
            {
                block.Text = redactor.Redact(hostPaths.RelativeToApp(projectId, block.Text));
            }

            var error = result.IsError == true ? Shorten(TextOf(result), MaxEventErrorChars) : null;
            span?.SetStatus(error is null ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error, error);
            await events.AppendAsync(
                projectId,
                new ToolExecuted(request.Params?.Name ?? "?", SummariseInput(request.Params?.Arguments), error is null, error, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds),
                CancellationToken.None);
            return result;
        });
        return options;
    }

    private IEnumerable<McpServerTool> CreateTools(ToolContext context)
    {
        var createOptions = new McpServerToolCreateOptions { Services = services };
        foreach (var type in ToolTypes)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                if (method.GetCustomAttribute<McpServerToolAttribute>() is not null)
                {
                    yield return McpServerTool.Create(method, _ => ActivatorUtilities.CreateInstance(services, type, context), createOptions);
                }
            }
        }
    }

    /// <summary>Whether a tool only reads: declared with <c>ReadOnly = true</c> on its <c>[McpServerTool]</c>.</summary>
    public static bool IsReadOnly(McpServerTool tool) => tool.ProtocolTool.Annotations?.ReadOnlyHint == true;

    /// <summary>
    /// Failures that are the caller's to fix (a bad path, a missing or mistyped argument), the file system's
    /// answer, or a sandbox that is required and missing (so the model stops trying commands). Anything else is a
    /// bug and goes on to the SDK, which answers with a generic error and logs it.
    /// </summary>
    private static bool IsToolError(Exception exception) =>
        exception is (McpException and not McpProtocolException) or ArgumentException or JsonException or IOException or UnauthorizedAccessException
            or SandboxUnavailableException or PathRefusedException or FileWriteRefusedException;

    private static string Shorten(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max), $" [... {text.Length - max} more characters]");

    public static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    /// <summary>The text of a result, as the model reads it.</summary>
    public static string TextOf(CallToolResult result) =>
        string.Join('\n', result.Content.OfType<TextContentBlock>().Select(block => block.Text));

    /// <summary>A one-line summary of a call's arguments for people: long strings are cut, content is sized.</summary>
    public static string SummariseInput(IDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null || arguments.Count == 0)
        {
            return "";
        }

        var summary = new StringBuilder();
        foreach (var (name, value) in arguments)
        {
            if (summary.Length > 0)
            {
                summary.Append(", ");
            }

            summary.Append(name).Append('=');
            if (value.ValueKind == JsonValueKind.String)
            {
                var text = value.GetString() ?? "";
                summary.Append(text.Length <= 80 && !text.Contains('\n')
                    ? text
                    : $"<{Encoding.UTF8.GetByteCount(text)} bytes>");
            }
            else
            {
                var raw = value.GetRawText();
                summary.Append(raw.Length <= 80 ? raw : raw[..77] + "...");
            }
        }

        return summary.ToString();
    }
}
