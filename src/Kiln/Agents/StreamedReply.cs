using System.Text;
using System.Text.Json;
using Anthropic.Models.Messages;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>Accumulates one streamed assistant message from its raw events.</summary>
internal sealed class StreamedReply
{
    private readonly SortedDictionary<long, Block> _blocks = [];

    private long _uncachedInput;
    private long _cacheWrite;
    private long _cacheRead;
    private long _output;

    /// <summary>The reply's tokens; the API counts cached input apart from <c>input_tokens</c>, Kiln counts it in.</summary>
    public TokenUsage Usage => new(_uncachedInput + _cacheWrite + _cacheRead, _output, _cacheWrite, _cacheRead);

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
            var usage = start.Message.Usage;
            _uncachedInput = usage.InputTokens;
            _cacheWrite = usage.CacheCreationInputTokens ?? 0;
            _cacheRead = usage.CacheReadInputTokens ?? 0;
            _output = usage.OutputTokens;
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
            // The delta's counts are cumulative; those it leaves out keep what message_start said.
            var usage = messageDelta.Usage;
            _output = usage.OutputTokens;
            _uncachedInput = usage.InputTokens is > 0 and var input ? input : _uncachedInput;
            _cacheWrite = usage.CacheCreationInputTokens is > 0 and var written ? written : _cacheWrite;
            _cacheRead = usage.CacheReadInputTokens is > 0 and var read ? read : _cacheRead;
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
