using System.Text;
using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Kiln.Agents;

/// <summary>
/// Kiln's own tool-use loop, one for every provider (<see cref="IModelTurns"/>): stream a message, run its tool calls through the
/// project's MCP tool server, send the results back, and repeat until the model ends its turn, the run is
/// cancelled, or the turn limit is reached. A failing tool is an error result for the model, never the end.
/// </summary>
public sealed partial class BuiltinAgentRuntime(
    ProjectToolset toolset,
    EventLog events,
    IServiceProvider services,
    IHttpClientFactory httpClients,
    ILoggerFactory loggerFactory,
    IOptions<AgentOptions> options,
    ModelCatalog catalog) : IAgentRuntime
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<BuiltinAgentRuntime>();

    public const string HttpClientName = "model";

    public string Name => AgentRuntimeNames.Builtin;

    public async Task<AgentOutcome> RunAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var conversationFile = new ConversationFile(run.SessionDirectory);
        var conversation = await conversationFile.LoadAsync(cancellationToken);
        AddUserPrompt(conversation, run);

        await using var tools = await InProcessToolServer.StartAsync(
            toolset.CreateServerOptions(run.ProjectId, readOnly: run.Mode == PromptMode.Plan), services, loggerFactory, cancellationToken);
        var budget = new ContextBudget(settings.ContextBudgetTokens, Playbook.Instructions, tools.Tools);
        using var turns = await CreateTurnsAsync(run.Model, tools.Tools, settings, cancellationToken);

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

                var reply = await turns.NextAsync(
                    conversation, text => events.AppendAsync(run.ProjectId, new AgentMessage(text), cancellationToken), cancellationToken);
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

    private async Task<IModelTurns> CreateTurnsAsync(
        ModelEndpoint model, IReadOnlyList<ModelContextProtocol.Protocol.Tool> tools, AgentOptions settings, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(HttpClientName);
        switch (model.Api)
        {
            case ModelApi.Messages:
                return new AnthropicTurns(http, model, tools, settings);
            case ModelApi.ChatCompletions:
                var openAI = new OpenAI.Chat.ChatClient(model.Model, new System.ClientModel.ApiKeyCredential(model.ApiKey), new OpenAI.OpenAIClientOptions
                {
                    Endpoint = model.BaseUrl,
                    Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http),
                });
                return new ChatClientTurns(openAI.AsIChatClient(), model, tools, settings, await catalog.SeesImagesAsync(model, cancellationToken));
            default:
                http.BaseAddress = model.BaseUrl;
                return new ChatClientTurns(new OllamaSharp.OllamaApiClient(http, model.Model), model, tools, settings, await catalog.SeesImagesAsync(model, cancellationToken));
        }
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
