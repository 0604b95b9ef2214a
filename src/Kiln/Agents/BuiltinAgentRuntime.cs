using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Kiln.Events;
using Kiln.Tools;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Kiln.Agents;

/// <summary>
/// Kiln's own tool-use loop on the official Anthropic SDK: stream a message, run its tool calls through the
/// project's MCP tool server, send the results back, and repeat until the model ends its turn, the run is
/// cancelled, or the turn limit is reached. A failing tool is an error result for the model, never the end.
/// </summary>
public sealed partial class BuiltinAgentRuntime(
    ProjectToolset toolset,
    EventLog events,
    IServiceProvider services,
    IHttpClientFactory httpClients,
    ILoggerFactory loggerFactory,
    IOptions<AgentOptions> options) : IAgentRuntime
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<BuiltinAgentRuntime>();

    public const string HttpClientName = "anthropic";

    public string Name => AgentRuntimeNames.Builtin;

    public async Task<AgentOutcome> RunAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var conversationFile = new ConversationFile(run.SessionDirectory);
        var conversation = await conversationFile.LoadAsync(cancellationToken);
        AddUserPrompt(conversation, run);

        await using var tools = await InProcessToolServer.StartAsync(
            toolset.CreateServerOptions(run.ProjectId), services, loggerFactory, cancellationToken);
        var cache = settings.PromptCaching;
        var toolDefinitions = AnthropicMapping.ToTools(tools.Tools, cache);
        var system = AnthropicMapping.ToSystem(Playbook.Instructions, cache);
        var budget = new ContextBudget(settings.ContextBudgetTokens, Playbook.Instructions, tools.Tools);
        // Connections are pooled by the factory; the SDK retries overloads and transient failures itself.
        using var client = new AnthropicClient(new ClientOptions
        {
            HttpClient = httpClients.CreateClient(HttpClientName),
            ApiKey = run.Model.ApiKey,
            BaseUrl = run.Model.BaseUrl.ToString().TrimEnd('/'),
        });

        string? summary = null;
        try
        {
            for (var turn = 1; turn <= settings.MaxTurns; turn++)
            {
                // The cap counts the prompt's earlier automatic fixes too, so it may be spent before this run asks anything.
                if (run.Spend.Exhausted)
                {
                    throw run.Spend.Stopped();
                }

                if (budget.Fit(conversation) is > 0 and var removed)
                {
                    LogTrimmed(_logger, removed, settings.ContextBudgetTokens);
                }

                var request = new MessageCreateParams
                {
                    Model = run.Model.Model,
                    MaxTokens = settings.MaxTokens,
                    System = system,
                    Messages = AnthropicMapping.ToParams(conversation, cache),
                    Tools = toolDefinitions,
                };

                var reply = await StreamTurnAsync(client, request, run.ProjectId, cancellationToken);
                run.Spend.Add(reply.Usage);
                conversation.Add(new ConversationMessage(ConversationRole.Assistant, reply.Content));
                summary = reply.Text ?? summary;

                var calls = reply.Content.OfType<ToolUsePart>().ToList();
                if (calls.Count == 0)
                {
                    // The meter measures against the budget, not the model's window: past it, Kiln shortens the conversation.
                    var context = new ContextWindowUsage(budget.EstimateTokens(conversation), settings.ContextBudgetTokens);
                    return new AgentOutcome(summary, turn, SessionId: null, context);
                }

                // The request that reached the cap is the last: its tool calls are not run (the saved conversation
                // answers them as stopped), so nothing happens that the model would not hear about.
                if (run.Spend.Exhausted)
                {
                    throw run.Spend.Stopped();
                }

                var results = new List<ContentPart>(calls.Count);
                foreach (var call in calls)
                {
                    results.Add(await CallToolAsync(tools, call, cancellationToken));
                }

                conversation.Add(new ConversationMessage(ConversationRole.User, results));
                ToolResultImages.KeepLatest(conversation);
                await conversationFile.SaveAsync(conversation, CancellationToken.None);
            }

            throw new AgentFailedException(
                $"The agent stopped after {settings.MaxTurns} turns without finishing (Kiln:Agent:MaxTurns). Send a follow-up such as \"continue\" to go on.");
        }
        finally
        {
            // Whatever ended the run, the saved conversation stays valid for the next prompt: every tool call
            // it holds has its result.
            CloseOpenToolCalls(conversation);
            await conversationFile.SaveAsync(conversation, CancellationToken.None);
        }
    }

    private async Task<StreamedReply> StreamTurnAsync(
        AnthropicClient client, MessageCreateParams request, string projectId, CancellationToken cancellationToken)
    {
        var reply = new StreamedReply();
        try
        {
            await foreach (var streamEvent in client.Messages.CreateStreaming(request, cancellationToken))
            {
                if (reply.Apply(streamEvent) is { } completedText)
                {
                    await events.AppendAsync(projectId, new AgentMessage(completedText), cancellationToken);
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

        return reply;
    }

    private async Task<ToolResultPart> CallToolAsync(InProcessToolServer tools, ToolUsePart call, CancellationToken cancellationToken)
    {
        var arguments = call.Input.ValueKind == JsonValueKind.Object
            ? call.Input.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.Clone())
            : [];
        CallToolResult result;
        try
        {
            result = await tools.CallAsync(call.Name, arguments, cancellationToken);
        }
        catch (McpProtocolException exception)
        {
            // An unknown tool name or malformed call: tell the model what it can call instead.
            result = ProjectToolset.Error($"{exception.Message} The available tools are: {string.Join(", ", tools.Tools.Select(tool => tool.Name))}.");
        }

        var text = ProjectToolset.TextOf(result);
        if (result.IsError == true)
        {
            LogToolFailed(_logger, call.Name, text);
        }

        // check_app's screenshot goes to the model inside the tool_result, as the image it is.
        List<ImagePart> images = [.. result.Content.OfType<ImageContentBlock>().Select(image => new ImagePart(image.MimeType, Encoding.ASCII.GetString(image.Data.Span)))];
        return new ToolResultPart(call.Id, text, result.IsError == true, images.Count > 0 ? images : null);
    }

    private static void AddUserPrompt(List<ConversationMessage> conversation, AgentRun run)
    {
        CloseOpenToolCalls(conversation);
        // Images first, then the briefing and the words about them, as the Messages API advises; then the note naming every file.
        List<ContentPart> prompt = [.. run.Files.Images.Select(image => new ImagePart(image.MediaType, image.Base64))];
        if (run.BriefingNote is { } briefing)
        {
            prompt.Add(new TextPart(briefing));
        }

        prompt.Add(new TextPart(run.Prompt));
        if (run.Files.Note is { } note)
        {
            prompt.Add(new TextPart(note));
        }

        // A cancelled run may end on tool results; the prompt joins that user message so roles still alternate.
        if (conversation.Count > 0 && conversation[^1].Role == ConversationRole.User)
        {
            conversation[^1] = conversation[^1] with { Content = [.. conversation[^1].Content, .. prompt] };
        }
        else
        {
            conversation.Add(new ConversationMessage(ConversationRole.User, prompt));
        }
    }

    private static void CloseOpenToolCalls(List<ConversationMessage> conversation)
    {
        if (conversation.Count == 0 || conversation[^1].Role != ConversationRole.Assistant)
        {
            return;
        }

        var open = conversation[^1].Content.OfType<ToolUsePart>().ToList();
        if (open.Count > 0)
        {
            conversation.Add(new ConversationMessage(
                ConversationRole.User,
                [.. open.Select(call => new ToolResultPart(call.Id, "The run was stopped before this tool ran.", IsError: true))]));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shortened the conversation by about {Tokens} tokens to keep it within Kiln:Agent:ContextBudgetTokens ({Budget})")]
    private static partial void LogTrimmed(ILogger logger, long tokens, int budget);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tool {Tool} returned an error to the model: {Error}")]
    private static partial void LogToolFailed(ILogger logger, string tool, string error);
}
