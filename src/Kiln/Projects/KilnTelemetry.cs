using System.Diagnostics;

namespace Kiln.Projects;

/// <summary>
/// Kiln's traces: the <c>Kiln</c> ActivitySource, with a span per generation and per tool call, each tagged with
/// <c>kiln.project_id</c> so one project's work can be found in any tracing backend. Static, as the .NET guidance
/// has it for an ActivitySource: spans cost nothing until something listens.
/// </summary>
public static class KilnTelemetry
{
    public const string Name = "Kiln";
    public const string ProjectIdTag = "kiln.project_id";

    public static readonly ActivitySource Source = new(Name, typeof(KilnTelemetry).Assembly.GetName().Version?.ToString());

    public static Activity? StartGeneration(string projectId, int promptNumber)
    {
        var span = Source.StartActivity("kiln.generation");
        span?.SetTag(ProjectIdTag, projectId);
        span?.SetTag("kiln.prompt_number", promptNumber);
        span?.SetTag("gen_ai.operation.name", "invoke_agent");
        return span;
    }

    /// <summary>A tool call's span, named and tagged as OpenTelemetry's GenAI conventions name one.</summary>
    public static Activity? StartToolCall(string projectId, string tool)
    {
        var span = Source.StartActivity($"execute_tool {tool}");
        span?.SetTag(ProjectIdTag, projectId);
        span?.SetTag("gen_ai.operation.name", "execute_tool");
        span?.SetTag("gen_ai.tool.name", tool);
        return span;
    }

    public static void SetOutcome(Activity? span, ProjectStatus status, string? error)
    {
        span?.SetTag("kiln.outcome", status.WireName());
        if (status == ProjectStatus.Failed)
        {
            span?.SetStatus(ActivityStatusCode.Error, error);
        }
    }
}
