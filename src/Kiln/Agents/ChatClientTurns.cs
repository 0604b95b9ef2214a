using System.ClientModel;
using System.Text.Json;
using Kiln.Projects;
using Microsoft.Extensions.AI;

namespace Kiln.Agents;

/// <summary>
/// Model turns on Microsoft.Extensions.AI's <see cref="IChatClient"/>: OpenAI and every OpenAI-compatible endpoint
/// (Microsoft.Extensions.AI.OpenAI), and Ollama (OllamaSharp). Kiln runs the tools itself, so the client only declares
/// them. The conversation keeps one order from turn to turn (system prompt, then the messages as they were), so
/// OpenAI's automatic prefix caching keeps working. A model that does not see images gets a note in their place.
/// </summary>
internal sealed class ChatClientTurns(IChatClient client, ModelEndpoint model, IReadOnlyList<ModelContextProtocol.Protocol.Tool> tools, AgentOptions settings, bool seesImages)
    : IModelTurns
{
    private const string ImageLeftOut = "[An image was attached here; this model takes text only, so it is left out.]";

    private readonly ChatOptions _options = new()
    {
        ModelId = model.Model,
        MaxOutputTokens = settings.MaxTokens,
        ToolMode = ChatToolMode.Auto,
        Tools = [.. tools.Select(tool => AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description, tool.InputSchema))],
    };

    public async Task<ModelReply> NextAsync(IReadOnlyList<ConversationMessage> conversation, Func<string, Task> onText, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync(ToMessages(conversation), _options, cancellationToken))
            {
                updates.Add(update);
            }
        }
        catch (ClientResultException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentFailedException($"The model API refused the request: {exception.Message}", exception);
        }
        catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentFailedException($"The model could not be reached: {exception.Message}", exception);
        }
        catch (OllamaSharp.Models.Exceptions.OllamaException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentFailedException($"Ollama refused the request: {exception.Message}", exception);
        }

        var response = updates.ToChatResponse();
        var content = new List<ContentPart>();
        foreach (var item in response.Messages.SelectMany(message => message.Contents))
        {
            switch (item)
            {
                case TextContent { Text.Length: > 0 } text when content.Count > 0 && content[^1] is TextPart previous:
                    content[^1] = new TextPart(previous.Text + text.Text);
                    break;
                case TextContent { Text.Length: > 0 } text:
                    content.Add(new TextPart(text.Text));
                    break;
                case FunctionCallContent call:
                    content.Add(new ToolUsePart(
                        string.IsNullOrEmpty(call.CallId) ? $"call_{Guid.NewGuid():N}" : call.CallId,
                        call.Name,
                        JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions)));
                    break;
            }
        }

        var texts = content.OfType<TextPart>().Select(part => part.Text).Where(text => !string.IsNullOrWhiteSpace(text)).ToList();
        foreach (var text in texts)
        {
            await onText(text);
        }

        // OpenAI counts cached tokens inside the prompt's; there is no cache write premium to tell apart.
        var usage = response.Usage;
        var tokens = new TokenUsage(usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0, 0, usage?.CachedInputTokenCount ?? 0);
        return new ModelReply(content, texts.Count == 0 ? null : string.Join("\n\n", texts), tokens);
    }

    private List<ChatMessage> ToMessages(IReadOnlyList<ConversationMessage> conversation)
    {
        var messages = new List<ChatMessage> { new(ChatRole.System, Playbook.Instructions) };
        foreach (var message in conversation)
        {
            if (message.Role == ConversationRole.Assistant)
            {
                messages.Add(new ChatMessage(ChatRole.Assistant, [.. message.Content.Select(ToAssistantContent).OfType<AIContent>()]));
                continue;
            }

            // Tool results go first, as tool messages answering the calls; what else the person's message holds follows
            // as a user message, with the screenshots the tools returned (a tool message carries text only).
            var results = message.Content.OfType<ToolResultPart>().ToList();
            if (results.Count > 0)
            {
                messages.Add(new ChatMessage(ChatRole.Tool, [.. results.Select(result => (AIContent)new FunctionResultContent(result.ToolUseId, ResultText(result)))]));
            }

            List<AIContent> user = [];
            foreach (var result in results.Where(result => seesImages && result.Images is { Count: > 0 }))
            {
                user.Add(new TextContent("The screenshot the last tool call returned:"));
                user.AddRange(result.Images!.Select(ToImage));
            }

            user.AddRange(message.Content.Where(part => part is not ToolResultPart).Select(ToUserContent));
            if (user.Count > 0)
            {
                messages.Add(new ChatMessage(ChatRole.User, user));
            }
        }

        return messages;
    }

    private string ResultText(ToolResultPart result)
    {
        var text = result.IsError ? $"Error: {result.Content}" : result.Content;
        return result.Images is { Count: > 0 } && !seesImages ? $"{text}\n{ImageLeftOut}" : text;
    }

    private static AIContent? ToAssistantContent(ContentPart part) => part switch
    {
        TextPart text => new TextContent(text.Text),
        ToolUsePart call => new FunctionCallContent(call.Id, call.Name, Arguments(call.Input)),
        _ => null,
    };

    private AIContent ToUserContent(ContentPart part) => part switch
    {
        TextPart text => new TextContent(text.Text),
        ImagePart image when seesImages => ToImage(image),
        ImagePart => new TextContent(ImageLeftOut),
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, "Unknown conversation content."),
    };

    private static DataContent ToImage(ImagePart image) => new(Convert.FromBase64String(image.Data), image.MediaType);

    private static Dictionary<string, object?> Arguments(JsonElement input) =>
        input.ValueKind == JsonValueKind.Object
            ? input.EnumerateObject().ToDictionary(property => property.Name, property => (object?)property.Value.Clone())
            : [];

    public void Dispose() => client.Dispose();
}
