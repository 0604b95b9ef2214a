using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.Offline;

/// <summary>
/// The offline model's mind: reads a Messages API request and decides the next assistant message. It plans the app
/// from the project's prompts (<see cref="OfflineAppPlanner"/>) and builds it one tool call per turn: a static app is
/// written file by file; a Vite app is scaffolded, installed, written and served, and if scaffolding, installing or
/// serving fails, the model reads that in the tool result and builds the static app instead. When the request offers
/// check_app, it opens the app with it last. It ends with a summary that says what it did not build and what the check found.
/// Offered no write_file (a plan prompt gets only the tools that read), it answers with the plan of that build and calls no tool.
/// It keeps no state: where it is follows from the conversation (<see cref="OfflineSteps"/>), so the same
/// conversation always gets the same reply.
/// </summary>
public static class OfflineModel
{
    /// <param name="request">The Messages API request.</param>
    /// <param name="preferred">What to build a new app with: <see cref="OfflineAppStack.Vite"/> or <see cref="OfflineAppStack.Static"/>.</param>
    public static OfflineReply Reply(JsonElement request, OfflineAppStack preferred = OfflineAppStack.Static)
    {
        var conversation = OfflineConversation.Read(request);
        var inputTokens = EstimateTokens(request.GetRawText());
        if (conversation.Prompts.Count == 0)
        {
            return Finish("Tell me what app to build, for example \"a todo list for my groceries\".", inputTokens);
        }

        if (OfflineConversation.FindTool(request, OfflineSteps.Write) is null)
        {
            // Offered only tools that read (a plan prompt): the plan is the build it would make, told, not done.
            return Finish(PlanOf(conversation), inputTokens);
        }

        var preferVite = preferred == OfflineAppStack.Vite && OfflineSteps.ViteTools.All(tool => OfflineConversation.FindTool(request, tool) is not null);
        var steps = OfflineSteps.For(conversation, preferVite, OfflineConversation.FindTool(request, OfflineSteps.CheckApp) is not null);
        var current = conversation.Segments[^1];
        var step = current.Calls.Count;
        if (step >= steps.Calls.Count)
        {
            return Finish(Summary(steps, current), inputTokens);
        }

        var call = steps.Calls[step];
        if (OfflineConversation.FindTool(request, call.Tool) is not { } tool)
        {
            return Finish($"I can't go on: this request offers no {call.Tool} tool.", inputTokens);
        }

        var input = (JsonObject)call.Input.DeepClone();
        return new OfflineReply(
            [new OfflineText(call.Narration), new OfflineToolUse(ToolUseId(conversation.Prompts, current.MessageIndex, step), tool, input)],
            "tool_use",
            inputTokens,
            EstimateTokens(call.Narration) + EstimateTokens(input.ToJsonString()));
    }

    /// <summary>The steps the model would take for the latest prompt, as a numbered plan; the same prompts, the same plan.</summary>
    private static string PlanOf(OfflineConversation conversation)
    {
        var steps = OfflineSteps.For(conversation, preferVite: false, checkApp: false);
        var plan = new StringBuilder($"Here is my plan for \"{conversation.Prompts[^1]}\". Nothing has been changed yet; send this plan as a prompt to build it.\n\n");
        var number = 1;
        foreach (var call in steps.Calls)
        {
            var path = call.Input["path"]?.GetValue<string>();
            plan.Append(CultureInfo.InvariantCulture, $"{number++}. {(path is null ? call.Tool : $"Write {path}")}: {call.Narration}\n");
        }

        return plan.Append('\n').Append(steps.Plan.Summary).ToString();
    }

    private static string Summary(OfflineSteps steps, ConversationSegment current)
    {
        var summary = new StringBuilder(steps.Plan.Summary);
        // A write refused and then done after all (delete_file, write_file) is no failure to report.
        // A failed check is told apart below: it found the app broken, or could not look.
        var failures = current.Calls
            .Where((call, index) => call.Failed && call.Name != OfflineSteps.CheckApp && !(call.Name == OfflineSteps.Write
                && current.Calls.Skip(index + 1).Any(later => later is { Name: OfflineSteps.Write, Failed: false } && later.Path == call.Path)))
            .ToList();
        if (steps.FallbackReason is { } reason)
        {
            var cause = failures.First(call => OfflineSteps.IsEssential(call.Name));
            failures.Remove(cause);
            summary.Append($"\n\nI began with Vite, React and TypeScript, but {reason}, so this is the static version. It said: ")
                .Append(FirstLines(cause.Result, 5));
        }

        if (failures.Count > 0)
        {
            summary.Append("\n\nSome steps failed: ").AppendJoin(" ", failures.Select(call => call.Result.Length > 0 ? call.Result : "a tool reported an error."));
        }

        if (current.Calls.LastOrDefault(call => call.Name == OfflineSteps.CheckApp) is { } check)
        {
            summary.Append("\n\n").Append(AppCheck.Read(check).Describe());
        }

        return summary.ToString();
    }

    private static string FirstLines(string text, int count) =>
        string.Join('\n', text.Split('\n').Take(count)) is { Length: > 0 } lines ? lines : "(no details)";

    private static OfflineReply Finish(string text, int inputTokens) =>
        new([new OfflineText(text)], "end_turn", inputTokens, EstimateTokens(text));

    private static string ToolUseId(IReadOnlyList<string> prompts, int promptIndex, int step)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u0001', prompts)));
        return string.Create(CultureInfo.InvariantCulture, $"toolu_offline_{Convert.ToHexStringLower(hash)[..12]}_{promptIndex}_{step}");
    }

    private static int EstimateTokens(string text) => Math.Max(1, text.Length / 4);
}
