// A console agent on Kiln.ClaudeAgent: it answers with a tool served from this process, streams what the
// model writes, asks you before the one tool that needs permission, and prints what the turn cost.
//
//   export ANTHROPIC_API_KEY=sk-ant-...            (the CLI inherits this process's environment)
//   dotnet run --project samples/Kiln.ClaudeAgent.Sample -- "How many days until New Year's Eve?"
using System.ComponentModel;
using Kiln.ClaudeAgent;
using ModelContextProtocol.Server;

var prompt = args.Length > 0 ? string.Join(' ', args) : "What is today's date, and how many days are left in the year?";
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var options = new ClaudeAgentOptions
{
    // Claude Code's own prompt, with one instruction more.
    SystemPrompt = SystemPrompt.ClaudeCode(append: "Use the calendar tools for anything about dates."),
    // No Bash, Read, Write…: the agent has only the tools below.
    BuiltInTools = [],
    McpServers = new Dictionary<string, McpServerConfig> { ["calendar"] = SdkMcpServer.FromType<CalendarTools>() },
    AllowedTools = ["mcp__calendar__today"],
    // mcp__calendar__days_between is not allowed up front, so the CLI asks this callback each time.
    CanUseTool = (request, _) =>
    {
        Console.Write($"\nAllow {request.ToolName} {request.Input.ToJsonString()}? [y/N] ");
        return Task.FromResult(Console.ReadLine()?.Trim().ToLowerInvariant() == "y"
            ? PermissionDecision.Allow()
            : PermissionDecision.Deny("The user said no."));
    },
    MaxTurns = 6,
    IncludePartialMessages = true,
};

try
{
    await foreach (var message in ClaudeAgentClient.QueryAsync(prompt, options, cancel.Token))
    {
        switch (message)
        {
            case StreamEventMessage { EventType: "content_block_delta" } delta:
                // The text as it streams; the whole AssistantMessage follows when the step is done.
                Console.Write((string?)delta.Event["delta"]?["text"]);
                break;
            case AssistantMessage assistant:
                foreach (var call in assistant.Content.OfType<ToolUseBlock>())
                {
                    Console.WriteLine($"\n[{call.Name} {call.Input.ToJsonString()}]");
                }
                break;
            case ResultMessage result:
                Console.WriteLine($"\n\n{result.Subtype}: {result.NumTurns} turns, {result.Duration.TotalSeconds:0.0} s, ${result.TotalCostUsd:0.0000}");
                break;
        }
    }
}
catch (CliNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("\nCancelled.");
    return 130;
}
return 0;

/// <summary>The tools the sample serves in-process; the model sees them as <c>mcp__calendar__*</c>.</summary>
[McpServerToolType]
internal sealed class CalendarTools
{
    [McpServerTool(Name = "today"), Description("Today's date, as yyyy-MM-dd.")]
    public static string Today() => DateOnly.FromDateTime(DateTime.Now).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [McpServerTool(Name = "days_between"), Description("The number of days from one date to another.")]
    public static int DaysBetween([Description("The first date, yyyy-MM-dd.")] DateOnly from, [Description("The second date, yyyy-MM-dd.")] DateOnly to) =>
        to.DayNumber - from.DayNumber;
}
