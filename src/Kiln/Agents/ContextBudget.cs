using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.Agents;

/// <summary>
/// Keeps the built-in runtime's conversation inside the model's context window, instead of letting a long run
/// end in "prompt is too long". Tokens are estimated (a quarter of the characters the conversation takes in the
/// request: the API has no offline counter). Past the budget, the conversation is shortened, oldest first, to
/// three quarters of it, so the next turns repeat the same prefix: old tool results become a note saying how to
/// get them again (a screenshot goes with its result), then long strings in old tool calls (a written file's
/// content) and long old assistant texts are cut, and last whole old exchanges of tool calls and results are
/// dropped. The person's prompts and images are never touched, the latest exchange is kept whole, and every tool
/// call keeps its result.
/// </summary>
public sealed class ContextBudget
{
    /// <summary>Characters per estimated token.</summary>
    public const int CharsPerToken = 4;

    /// <summary>Tokens counted for an image whatever its size (the API's own cost of a large image is about this).</summary>
    public const int ImageTokens = 1_600;

    private const int BlockOverheadChars = 64;
    private const int LongString = 240;
    private const double LowWater = 0.75;

    private readonly ConditionalWeakTable<ContentPart, StrongBox<long>> _sizes = [];
    private readonly long _budgetChars;
    private readonly long _fixedChars;

    /// <param name="budgetTokens">Most estimated tokens a request may have: system prompt, tools and conversation.</param>
    /// <param name="system">The system prompt, sent with every request.</param>
    /// <param name="tools">The tools' definitions, sent with every request.</param>
    public ContextBudget(int budgetTokens, string system, IEnumerable<ModelContextProtocol.Protocol.Tool> tools)
    {
        _budgetChars = (long)budgetTokens * CharsPerToken;
        _fixedChars = EscapedLength(system) + tools.Sum(tool =>
            EscapedLength(tool.Name) + EscapedLength(tool.Description ?? "") + EscapedLength(tool.InputSchema.GetRawText()) + BlockOverheadChars);
    }

    /// <summary>The estimated tokens of a request with this conversation.</summary>
    public long EstimateTokens(IReadOnlyList<ConversationMessage> conversation) => (Chars(conversation) + CharsPerToken - 1) / CharsPerToken;

    /// <summary>
    /// Shortens <paramref name="conversation"/> in place when a request with it would pass the budget.
    /// Returns how many estimated tokens it removed (0 when it fitted).
    /// </summary>
    public long Fit(List<ConversationMessage> conversation)
    {
        var before = Chars(conversation);
        if (before <= _budgetChars)
        {
            return 0;
        }

        var target = (long)(_budgetChars * LowWater);
        var size = before;
        // The latest exchange stays whole: the model is acting on it.
        var keep = LastExchangeStart(conversation);
        var tools = ToolCalls(conversation);

        for (var i = 0; i < keep && size > target; i++)
        {
            if (conversation[i].Role == ConversationRole.User)
            {
                size -= Replace(conversation, i, part => part is ToolResultPart result && (result.Content.Length > LongString || result.Images is { Count: > 0 })
                    ? result with { Content = ElidedResult(result, tools.GetValueOrDefault(result.ToolUseId)), Images = null }
                    : part);
            }
        }

        for (var i = 0; i < keep && size > target; i++)
        {
            if (conversation[i].Role == ConversationRole.Assistant)
            {
                size -= Replace(conversation, i, part => part switch
                {
                    ToolUsePart call when call.Input.ValueKind == JsonValueKind.Object && call.Input.GetRawText().Length > LongString => call with { Input = ShortenedInput(call.Input) },
                    TextPart { Text.Length: > LongString } text => text with { Text = $"{text.Text[..(LongString / 2)]}… [Kiln cut the rest of this old message to save context]" },
                    _ => part,
                });
            }
        }

        if (size > target)
        {
            size = DropOldExchanges(conversation, keep, size, target);
        }

        return (before - size) / CharsPerToken;
    }

    private long Chars(IReadOnlyList<ConversationMessage> conversation) =>
        _fixedChars + conversation.Sum(message => BlockOverheadChars + message.Content.Sum(Size));

    private long Size(ContentPart part) => _sizes.GetValue(part, static part => new StrongBox<long>(BlockOverheadChars + part switch
    {
        TextPart text => EscapedLength(text.Text),
        ToolUsePart call => EscapedLength(call.Name) + EscapedLength(call.Input.GetRawText()),
        ToolResultPart result => EscapedLength(result.ToolUseId) + EscapedLength(result.Content) + (long)(result.Images?.Count ?? 0) * ImageTokens * CharsPerToken,
        ImagePart => (long)ImageTokens * CharsPerToken,
        _ => 0,
    })).Value;

    // Characters in a JSON string: quotes, backslashes and control characters take two or six.
    private static long EscapedLength(string text)
    {
        long length = text.Length;
        foreach (var c in text)
        {
            if (c is '"' or '\\' or '\n' or '\r' or '\t' or '\b' or '\f')
            {
                length++;
            }
            else if (c < ' ')
            {
                length += 5;
            }
        }

        return length;
    }

    private long Replace(List<ConversationMessage> conversation, int index, Func<ContentPart, ContentPart> change)
    {
        var message = conversation[index];
        var saved = 0L;
        var content = new List<ContentPart>(message.Content.Count);
        foreach (var part in message.Content)
        {
            var changed = change(part);
            saved += Size(part) - Size(changed);
            content.Add(changed);
        }

        if (saved > 0)
        {
            conversation[index] = message with { Content = content };
        }

        return saved;
    }

    // Drops the oldest exchanges (an assistant message of tool calls and the user message holding only their results)
    // between the first prompt and the latest exchange, and leaves a note where they were.
    private long DropOldExchanges(List<ConversationMessage> conversation, int keep, long size, long target)
    {
        var dropped = 0;
        var gap = -1;
        for (var i = 0; i + 2 <= keep && i + 2 < conversation.Count && size > target;)
        {
            if (conversation[i].Role == ConversationRole.Assistant
                && conversation[i + 1].Role == ConversationRole.User
                && conversation[i + 1].Content.All(part => part is ToolResultPart || part is TextPart text && IsKilnNote(text.Text))
                && conversation[i + 2].Role == ConversationRole.Assistant
                && i > 0)
            {
                size -= BlockOverheadChars * 2 + conversation[i].Content.Sum(Size) + conversation[i + 1].Content.Sum(Size);
                dropped += conversation[i + 1].Content.OfType<TextPart>().Sum(text => DroppedCount(text.Text));
                conversation.RemoveRange(i, 2);
                keep -= 2;
                dropped++;
                gap = i;
                continue;
            }

            i++;
        }

        if (dropped > 0)
        {
            // The message before the gap is a user message: a prompt, or tool results. The note is a block of its
            // own, so a prompt's words stay as the person wrote them.
            var before = conversation[gap - 1];
            var earlier = before.Content.OfType<TextPart>().Where(text => IsKilnNote(text.Text)).Select(text => DroppedCount(text.Text)).Sum();
            var note = new TextPart(DroppedNote(dropped + earlier));
            List<ContentPart> content = [.. before.Content.Where(part => part is not TextPart text || !IsKilnNote(text.Text)), note];
            size += content.Sum(Size) - before.Content.Sum(Size);
            conversation[gap - 1] = before with { Content = content };
        }

        return size;
    }

    private const string NotePrefix = "[Kiln removed ";

    private static bool IsKilnNote(string text) => text.StartsWith(NotePrefix, StringComparison.Ordinal);

    private static string DroppedNote(int count) =>
        $"{NotePrefix}{count} earlier exchange{(count == 1 ? "" : "s")} of tool calls and results here to keep the conversation within its context budget. " +
        "What they did is in the app's files: use list_directory and read_file to see the app as it is now.]";

    private static int DroppedCount(string note) =>
        int.TryParse(note.AsSpan(NotePrefix.Length, note.IndexOf(' ', NotePrefix.Length) - NotePrefix.Length), out var count) ? count : 0;

    private static string ElidedResult(ToolResultPart result, ToolUsePart? call)
    {
        var tool = call?.Name ?? "the tool";
        var path = call is { Input.ValueKind: JsonValueKind.Object } && call.Input.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String
            ? $" with path \"{p.GetString()}\""
            : "";
        return $"[Kiln elided this old result of {tool}{path} ({result.Content.Length} characters) to keep the conversation within its context budget. " +
            $"Call {tool} again if you need it.]";
    }

    private static JsonElement ShortenedInput(JsonElement input)
    {
        var shortened = new JsonObject();
        foreach (var property in input.EnumerateObject())
        {
            shortened[property.Name] = property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Length > LongString
                ? JsonValue.Create($"[{property.Value.GetString()!.Length} characters elided by Kiln to save context; read the file for its current content]")
                : JsonNode.Parse(property.Value.GetRawText());
        }

        using var document = JsonDocument.Parse(shortened.ToJsonString());
        return document.RootElement.Clone();
    }

    private static Dictionary<string, ToolUsePart> ToolCalls(List<ConversationMessage> conversation) =>
        conversation.SelectMany(message => message.Content.OfType<ToolUsePart>()).GroupBy(call => call.Id).ToDictionary(group => group.Key, group => group.First());

    // Index of the latest assistant message and what follows it; the whole conversation when there is none.
    private static int LastExchangeStart(List<ConversationMessage> conversation)
    {
        for (var i = conversation.Count - 1; i >= 0; i--)
        {
            if (conversation[i].Role == ConversationRole.Assistant)
            {
                return i;
            }
        }

        return 0;
    }
}
