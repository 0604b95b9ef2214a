using System.Text;
using System.Text.Json;
using Anthropic.Models.Messages;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>Accumulates one streamed assistant message from its raw events.</summary>
internal sealed class StreamedReply
{
    private readonly SortedDictionary<long, Block> _blocks = [];

    public TokenUsage Usage { get; private set; } = TokenUsage.Zero;

    public IReadOnlyList<ContentPart> Content => [.. _blocks.Values.Select(block => block.ToPart()).OfType<ContentPart>()];

    /// <summary>The message's text, or null when it had none.</summary>
    public string? Text
    {
        get
        {
            var text = string.Join("\n\n", _blocks.Values.Where(block => block.Kind == BlockKind.Text && block.Buffer.Length > 0).Select(block => block.Buffer.ToString()));
            return text.Length == 0 ? null : text;
        }
    }

    /// <summary>Applies one event; returns a text block's whole text when that block has just ended.</summary>
    public string? Apply(RawMessageStreamEvent streamEvent)
    {
        if (streamEvent.TryPickStart(out var start))
        {
            Usage = new TokenUsage(start.Message.Usage.InputTokens, start.Message.Usage.OutputTokens);
        }
        else if (streamEvent.TryPickContentBlockStart(out var blockStart))
        {
            if (blockStart.ContentBlock.TryPickToolUse(out var toolUse))
            {
                _blocks[blockStart.Index] = new Block(BlockKind.ToolUse) { Id = toolUse.ID, Name = toolUse.Name };
            }
            else if (blockStart.ContentBlock.TryPickText(out var text))
            {
                _blocks[blockStart.Index] = new Block(BlockKind.Text) { Buffer = { Capacity = text.Text.Length } };
                _blocks[blockStart.Index].Buffer.Append(text.Text);
            }
            else
            {
                _blocks[blockStart.Index] = new Block(BlockKind.Other);
            }
        }
        else if (streamEvent.TryPickContentBlockDelta(out var delta) && _blocks.TryGetValue(delta.Index, out var block))
        {
            if (delta.Delta.TryPickText(out var text))
            {
                block.Buffer.Append(text.Text);
            }
            else if (delta.Delta.TryPickInputJson(out var json))
            {
                block.Buffer.Append(json.PartialJson);
            }
        }
        else if (streamEvent.TryPickContentBlockStop(out var stop)
            && _blocks.TryGetValue(stop.Index, out var stopped)
            && stopped.Kind == BlockKind.Text
            && stopped.Buffer.Length > 0)
        {
            return stopped.Buffer.ToString();
        }
        else if (streamEvent.TryPickDelta(out var messageDelta))
        {
            Usage = Usage with { OutputTokens = messageDelta.Usage.OutputTokens };
            if (messageDelta.Usage.InputTokens is { } input && input > 0)
            {
                Usage = Usage with { InputTokens = input };
            }
        }

        return null;
    }

    private enum BlockKind
    {
        Text,
        ToolUse,
        Other,
    }

    private sealed class Block(BlockKind kind)
    {
        public BlockKind Kind { get; } = kind;
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public StringBuilder Buffer { get; } = new();

        public ContentPart? ToPart() => Kind switch
        {
            BlockKind.Text when Buffer.Length > 0 => new TextPart(Buffer.ToString()),
            BlockKind.ToolUse => new ToolUsePart(Id, Name, ParseInput(Buffer.ToString())),
            _ => null,
        };

        // A tool call's input arrives as JSON fragments; a model cut off mid-call leaves it unparseable, and
        // the tool then answers with a missing-argument error the model can act on.
        private static JsonElement ParseInput(string json)
        {
            if (string.IsNullOrWhiteSpace(json))
            {
                json = "{}";
            }

            try
            {
                using var document = JsonDocument.Parse(json);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                using var empty = JsonDocument.Parse("{}");
                return empty.RootElement.Clone();
            }
        }
    }
}
