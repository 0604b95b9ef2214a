using System.Text;
using System.Text.Json;

namespace Kiln.Offline;

/// <summary>One tool call the offline model made, and what the tool answered.</summary>
/// <param name="Name">The tool's own name, without an MCP prefix (<c>mcp__kiln__write_file</c> is <c>write_file</c>).</param>
/// <param name="Input">The call's input, as the model sent it.</param>
/// <param name="Failed">The result was an error (<c>is_error</c>).</param>
/// <param name="Result">The result's text.</param>
internal sealed record ToolCallRecord(string Name, JsonElement Input, bool Failed, string Result)
{
    public string? Path => Input.ValueKind == JsonValueKind.Object && Input.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.String
        ? path.GetString()
        : null;

    public string? Content => Input.ValueKind == JsonValueKind.Object && Input.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
        ? content.GetString()
        : null;
}

/// <summary>A user message with a prompt in it, and the tool calls made for it since.</summary>
/// <param name="MessageIndex">Where the prompt is among the request's messages.</param>
/// <param name="Calls">The calls made since, in order, each with its result.</param>
internal sealed record ConversationSegment(int MessageIndex, IReadOnlyList<ToolCallRecord> Calls);

/// <summary>
/// A Messages API request as the offline model reads it: the person's prompts, and for each, the tool calls that
/// followed with their results. The model keeps no state of its own, so this is everything it knows.
/// </summary>
internal sealed record OfflineConversation(IReadOnlyList<string> Prompts, IReadOnlyList<ConversationSegment> Segments)
{
    public static OfflineConversation Read(JsonElement request)
    {
        var messages = request.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Array
            ? m.EnumerateArray().ToList()
            : [];
        var results = new Dictionary<string, (bool Failed, string Text)>(StringComparer.Ordinal);
        foreach (var block in messages.Where(message => Role(message) == "user").SelectMany(Blocks))
        {
            if (Type(block) == "tool_result" && block.TryGetProperty("tool_use_id", out var id) && id.GetString() is { } key)
            {
                var failed = block.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True;
                results[key] = (failed, block.TryGetProperty("content", out var content) ? Text(content) : "");
            }
        }

        var prompts = new List<string>();
        var segments = new List<(int Index, List<ToolCallRecord> Calls)>();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (Role(message) == "user" && PromptTexts(message).ToList() is { Count: > 0 } texts)
            {
                prompts.AddRange(texts);
                segments.Add((i, []));
            }
            else if (Role(message) == "assistant" && segments.Count > 0)
            {
                foreach (var block in Blocks(message).Where(block => Type(block) == "tool_use"))
                {
                    var id = block.TryGetProperty("id", out var i2) ? i2.GetString() ?? "" : "";
                    var (failed, text) = results.TryGetValue(id, out var result) ? result : (false, "");
                    var input = block.TryGetProperty("input", out var value) ? value.Clone() : default;
                    segments[^1].Calls.Add(new ToolCallRecord(PlainName(block.TryGetProperty("name", out var n) ? n.GetString() ?? "" : ""), input, failed, text));
                }
            }
        }

        return new OfflineConversation(prompts, segments.Select(s => new ConversationSegment(s.Index, s.Calls)).ToList());
    }

    /// <summary>The offered tool called <paramref name="name"/>, or one served under an MCP prefix (<c>mcp__kiln__write_file</c>).</summary>
    public static string? FindTool(JsonElement request, string name)
    {
        if (!request.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return tools.EnumerateArray()
            .Select(tool => tool.TryGetProperty("name", out var n) ? n.GetString() : null)
            .FirstOrDefault(offered => offered == name || offered?.EndsWith("__" + name, StringComparison.Ordinal) == true);
    }

    private static string PlainName(string name) =>
        name.StartsWith("mcp__", StringComparison.Ordinal) && name.LastIndexOf("__", StringComparison.Ordinal) is var at and > 3
            ? name[(at + 2)..]
            : name;

    private static string? Role(JsonElement message) =>
        message.TryGetProperty("role", out var role) ? role.GetString() : null;

    private static string? Type(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var type) ? type.GetString() : null;

    private static IEnumerable<JsonElement> Blocks(JsonElement message) =>
        message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array ? content.EnumerateArray() : [];

    /// <summary>A tool result's text: a string, or the text blocks of an array.</summary>
    private static string Text(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => content.EnumerateArray()
            .Where(block => Type(block) == "text" && block.TryGetProperty("text", out _))
            .Aggregate(new StringBuilder(), (text, block) => text.Append(block.GetProperty("text").GetString()).Append('\n'))
            .ToString().TrimEnd('\n'),
        _ => "",
    };

    /// <summary>The person's words in a user message: its text, not tool results or injected reminders.</summary>
    private static IEnumerable<string> PromptTexts(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            yield break;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            if (WithoutLeadingReminders(content.GetString()) is var prompt && IsPrompt(prompt))
            {
                yield return prompt!;
            }

            yield break;
        }

        foreach (var block in Blocks(message))
        {
            if (Type(block) == "text" && block.TryGetProperty("text", out var text)
                && WithoutLeadingReminders(text.GetString()) is var prompt && IsPrompt(prompt))
            {
                yield return prompt!;
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
}
