using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;

namespace Kiln.Agents;

/// <summary>
/// Model turns on Anthropic's Messages API with the official SDK (Anthropic, and Kiln's offline model). Kept beside
/// <see cref="ChatClientTurns"/> rather than on the SDK's <c>IChatClient</c>: Kiln places the cache breakpoints on the
/// tools, the system prompt and the newest message itself, sends check_app's screenshots inside tool results as images,
/// and reads the cache's write and read counts from the stream, exactly as <see cref="AnthropicMapping"/> writes them.
/// </summary>
internal sealed class AnthropicTurns(HttpClient httpClient, ModelEndpoint model, IReadOnlyList<ModelContextProtocol.Protocol.Tool> tools, AgentOptions settings)
    : IModelTurns
{
    // Connections are pooled by the factory; the SDK retries overloads and transient failures itself.
    private readonly AnthropicClient _client = new(new ClientOptions
    {
        HttpClient = httpClient,
        ApiKey = model.ApiKey,
        BaseUrl = model.BaseUrl.ToString().TrimEnd('/'),
    });

    private readonly List<ToolUnion> _tools = AnthropicMapping.ToTools(tools, settings.PromptCaching);
    private readonly List<TextBlockParam> _system = AnthropicMapping.ToSystem(Playbook.Instructions, settings.PromptCaching);

    public async Task<ModelReply> NextAsync(IReadOnlyList<ConversationMessage> conversation, Func<string, Task> onText, CancellationToken cancellationToken)
    {
        var request = new MessageCreateParams
        {
            Model = model.Model,
            MaxTokens = settings.MaxTokens,
            System = _system,
            Messages = AnthropicMapping.ToParams(conversation, settings.PromptCaching),
            Tools = _tools,
        };

        var reply = new StreamedReply();
        try
        {
            await foreach (var streamEvent in _client.Messages.CreateStreaming(request, cancellationToken))
            {
                if (reply.Apply(streamEvent) is { } completedText)
                {
                    await onText(completedText);
                }
            }
        }
        catch (AnthropicApiException exception)
        {
            throw new AgentFailedException($"The model API refused the request: {exception.Message}", exception);
        }
        catch (AnthropicException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentFailedException($"The model could not be reached: {exception.Message}", exception);
        }
        catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentFailedException($"The model could not be reached: {exception.Message}", exception);
        }

        return new ModelReply(reply.Content, reply.Text, reply.Usage);
    }

    public void Dispose() => _client.Dispose();
}
