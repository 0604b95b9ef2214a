using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.Agents.Offline;

/// <summary>
/// The offline model's mind: reads a Messages API request and decides the next assistant message. It plans
/// the app from the project's prompts (<see cref="OfflineAppPlanner"/>) and writes it one file per turn
/// through whatever write tool the request offers, then ends with a summary. It keeps no state: where it is
/// in the plan follows from the conversation, so the same conversation always gets the same reply.
/// </summary>
public static class OfflineModel
{
    public static OfflineReply Reply(JsonElement request)
    {
        var messages = request.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Array
            ? m.EnumerateArray().ToList()
            : [];
        var prompts = new List<string>();
        var lastPromptIndex = -1;
        for (var i = 0; i < messages.Count; i++)
        {
            if (Role(messages[i]) == "user" && PromptTexts(messages[i]).ToList() is { Count: > 0 } texts)
            {
                prompts.AddRange(texts);
                lastPromptIndex = i;
            }
        }

        var inputTokens = EstimateTokens(request.GetRawText());
        if (prompts.Count == 0)
        {
            return Finish("Tell me what app to build, for example \"a todo list for my groceries\".", inputTokens);
        }

        var writeTool = FindTool(request, "write_file");
        if (writeTool is null)
        {
            return Finish("I can only build an app with a write_file tool, and this request offers none.", inputTokens);
        }

        var plan = OfflineAppPlanner.Plan(prompts);
        var step = messages.Skip(lastPromptIndex + 1).Count(message => Role(message) == "assistant");
        if (step >= plan.Files.Count)
        {
            var failures = messages.Skip(lastPromptIndex + 1).SelectMany(ToolErrors).ToList();
            var summary = failures.Count == 0
                ? plan.Summary
                : $"{plan.Summary}\n\nSome steps failed: {string.Join(" ", failures)}";
            return Finish(summary, inputTokens);
        }

        var file = plan.Files[step];
        var content = new List<OfflineBlock>();
        var intro = step == 0
            ? prompts.Count == 1
                ? $"I'll build **{plan.Title}** as a static single-page app: {string.Join(", ", plan.Files.Select(f => f.Path))}. Starting with {file.Path}."
                : $"I'll update **{plan.Title}** for your request, rewriting {string.Join(", ", plan.Files.Select(f => f.Path))}."
            : $"Now {file.Path}.";
        content.Add(new OfflineText(intro));
        content.Add(new OfflineToolUse(
            ToolUseId(prompts, lastPromptIndex, step),
            writeTool,
            new JsonObject { ["path"] = file.Path, ["content"] = file.Content }));
        return new OfflineReply(content, "tool_use", inputTokens, EstimateTokens(intro) + EstimateTokens(file.Content));
    }

    private static OfflineReply Finish(string text, int inputTokens) =>
        new([new OfflineText(text)], "end_turn", inputTokens, EstimateTokens(text));

    private static string? Role(JsonElement message) =>
        message.TryGetProperty("role", out var role) ? role.GetString() : null;

    /// <summary>The person's words in a user message: its text, not tool results or injected reminders.</summary>
    private static IEnumerable<string> PromptTexts(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            yield break;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            if (IsPrompt(WithoutLeadingReminders(content.GetString())))
            {
                yield return WithoutLeadingReminders(content.GetString())!;
            }

            yield break;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.TryGetProperty("type", out var type) && type.GetString() == "text"
                && block.TryGetProperty("text", out var text) && IsPrompt(WithoutLeadingReminders(text.GetString())))
            {
                yield return WithoutLeadingReminders(text.GetString())!;
            }
        }
    }

    /// <summary>A prompt Kiln prefixed with a note for the model (a restore, say): the person's words are what follows it.</summary>
    private static string? WithoutLeadingReminders(string? text)
    {
        const string End = "</system-reminder>";
        while (text is not null && text.TrimStart().StartsWith("<system-reminder>", StringComparison.Ordinal)
               && text.IndexOf(End, StringComparison.Ordinal) is >= 0 and var end)
        {
            text = text[(end + End.Length)..].TrimStart();
        }

        return text;
    }

    private static bool IsPrompt(string? text) =>
        !string.IsNullOrWhiteSpace(text) && !text.TrimStart().StartsWith("<system-reminder>", StringComparison.Ordinal)
        // Kiln's note naming a prompt's attached files is not the person's words.
        && !text.StartsWith("<attachments>", StringComparison.Ordinal);

    private static IEnumerable<string> ToolErrors(JsonElement message)
    {
        if (Role(message) != "user" || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True)
            {
                yield return block.TryGetProperty("content", out var text) && text.ValueKind == JsonValueKind.String
                    ? text.GetString()!
                    : "a tool reported an error.";
            }
        }
    }

    /// <summary>The offered tool called <paramref name="name"/>, or one served under an MCP prefix (<c>mcp__kiln__write_file</c>).</summary>
    private static string? FindTool(JsonElement request, string name)
    {
        if (!request.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return tools.EnumerateArray()
            .Select(tool => tool.TryGetProperty("name", out var n) ? n.GetString() : null)
            .FirstOrDefault(offered => offered == name || offered?.EndsWith("__" + name, StringComparison.Ordinal) == true);
    }

    private static string ToolUseId(List<string> prompts, int promptIndex, int step)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u0001', prompts)));
        return string.Create(CultureInfo.InvariantCulture, $"toolu_offline_{Convert.ToHexStringLower(hash)[..12]}_{promptIndex}_{step}");
    }

    private static int EstimateTokens(string text) => Math.Max(1, text.Length / 4);
}
