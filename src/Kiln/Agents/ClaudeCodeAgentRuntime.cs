using System.Text.Json.Nodes;
using Kiln.ClaudeAgent;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Tools;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>
/// The <c>claude-code</c> runtime: the Claude Code CLI driven through Kiln.ClaudeAgent. Its built-in tools
/// are off; Kiln's tools are served to it in-process as the SDK MCP server <c>kiln</c>, so the agent sees
/// <c>mcp__kiln__*</c> and nothing else. The CLI keeps its config and sessions in the project's
/// <c>.claude-session/</c>, and a follow-up resumes the project's session. It runs in bubblewrap where that works
/// (<see cref="SandboxedProcessRunner.AgentCliLaunchAsync"/>): it sees the system, its own install and that session
/// directory, and nothing of Kiln's or of any project's files.
/// </summary>
public sealed partial class ClaudeCodeAgentRuntime(
    ProjectToolset toolset,
    EventLog events,
    IProjectStore store,
    IServiceProvider services,
    SandboxedProcessRunner sandbox,
    ProjectWorkspace workspace,
    IOptions<AgentOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<ClaudeCodeAgentRuntime> logger) : IAgentRuntime
{
    private const string ServerName = ProjectToolset.ServerName;

    // Claude Code's built-in tools. --tools= already offers none of them; denying them too is a second wall should a
    // CLI version ever offer one anyway (a model may also name a tool it was never offered).
    private static readonly string[] BuiltInTools =
    [
        "Agent", "Bash", "BashOutput", "Edit", "ExitPlanMode", "Glob", "Grep", "KillShell", "LS", "ListMcpResourcesTool",
        "MultiEdit", "NotebookEdit", "NotebookRead", "Read", "ReadMcpResourceTool", "Skill", "SlashCommand", "Task",
        "TodoWrite", "WebFetch", "WebSearch", "Write",
    ];

    // A cancelled generation's CLI is gone within 5 s, as the README promises: up to 3 s for the turn to stop on
    // interrupt, then up to 2 s for the CLI to exit once its input is closed, before its process tree is killed.
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(2);

    // The context meter is a nicety: a CLI slow to say how full its context is must not hold the generation's end.
    private static readonly TimeSpan ContextUsageTimeout = TimeSpan.FromSeconds(2);

    public string Name => AgentRuntimeNames.ClaudeCode;

    public async Task<AgentOutcome> RunAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // An automatic fix whose prompt has spent its cap already starts no CLI.
        if (run.Spend.Exhausted)
        {
            throw run.Spend.Stopped();
        }

        AgentCliLaunch launch;
        try
        {
            launch = await sandbox.AgentCliLaunchAsync(
                CliLocator.Find(settings.ClaudePath), run.SessionDirectory, run.AppDirectory, workspace.PidDirectory(run.ProjectId), cancellationToken);
        }
        catch (CliNotFoundException exception)
        {
            throw new AgentFailedException($"The Claude Code CLI is not installed: run `{CliNotFoundException.InstallCommand}`, or set Kiln:Agent:Runtime=builtin.", exception);
        }
        catch (SandboxUnavailableException exception)
        {
            throw new AgentFailedException(exception.Message, exception);
        }

        try
        {
            return await RunCliAsync(run, launch, cancellationToken);
        }
        finally
        {
            // The client killed the CLI's process tree; anything of it that got out of the tree goes too.
            launch.KillLeftovers();
        }
    }

    private async Task<AgentOutcome> RunCliAsync(AgentRun run, AgentCliLaunch launch, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var toolOptions = toolset.CreateServerOptions(run.ProjectId, readOnly: run.Mode == PromptMode.Plan);
        var kilnTools = toolOptions.ToolCollection!.Select(tool => $"mcp__{ServerName}__{tool.ProtocolTool.Name}").ToList();
        var agentOptions = new ClaudeAgentOptions
        {
            CliPath = launch.Program,
            Model = run.Model.Model,
            // Claude Code's own system prompt stays (it knows how to drive tools); Kiln's playbook follows it.
            SystemPrompt = SystemPrompt.ClaudeCode(append: Playbook.Instructions),
            WorkingDirectory = run.AppDirectory,
            BuiltInTools = [],
            StrictMcpConfig = true,
            SettingSources = [],
            McpServers = new Dictionary<string, McpServerConfig> { [ServerName] = new SdkMcpServer(toolOptions, services) },
            // Kiln's tools are allowed up front and nothing else is: no permission prompt can hold a run.
            AllowedTools = kilnTools,
            DisallowedTools = BuiltInTools,
            CanUseTool = (request, _) => Task.FromResult(kilnTools.Contains(request.ToolName)
                ? PermissionDecision.Allow()
                : PermissionDecision.Deny($"Only Kiln's tools are available: {string.Join(", ", kilnTools)}.")),
            MaxTurns = settings.MaxTurns,
            // The CLI enforces what is left of the prompt's cap; it stops after the request that reaches it. A resumed
            // CLI counts from its session's running total, so the cap it gets starts there.
            MaxBudgetUsd = run.Spend.RemainingUsd + SessionCostBefore(run),
            Resume = run.Project.SessionId,
            // Exactly this environment and nothing of Kiln's own (its keys, its secrets) by inheritance.
            Environment = new Dictionary<string, string>(Environment(run).Concat(launch.Environment)),
            InheritEnvironment = false,
            WrapCommand = launch.Launcher is { } launcher
                ? command => command.RunThrough(launcher, launch.LauncherArguments)
                : null,
            Stderr = line => LogCliStderr(logger, line),
            LoggerFactory = loggerFactory,
            ShutdownTimeout = ShutdownGrace,
        };

        ClaudeAgentClient client;
        try
        {
            client = await ClaudeAgentClient.ConnectAsync(agentOptions, cancellationToken);
        }
        catch (CliNotFoundException exception)
        {
            throw new AgentFailedException($"The Claude Code CLI is not installed: run `{CliNotFoundException.InstallCommand}`, or set Kiln:Agent:Runtime=builtin.", exception);
        }
        catch (ClaudeAgentException exception)
        {
            throw new AgentFailedException($"The Claude Code CLI did not start: {exception.Message}", exception);
        }

        await using (client)
        {
            await client.SendAsync(PromptContent(run), cancellationToken);
            var result = await ReadTurnAsync(client, run.ProjectId, cancellationToken);
            var sessionId = client.SessionId ?? run.Project.SessionId;
            // The CLI's total is its session's so far (it restores it on resume); a new session starts from nothing.
            var before = sessionId == run.Project.SessionId ? SessionCostBefore(run) : 0m;
            await store.UpdateAsync(run.ProjectId, project => project with { SessionCostUsd = result.TotalCostUsd }, CancellationToken.None);
            var outcome = Outcome(result, run, sessionId, before, settings.MaxTurns);
            return outcome with { Context = await ContextWindowAsync(client, cancellationToken) };
        }
    }

    private async Task<ResultMessage> ReadTurnAsync(ClaudeAgentClient client, string projectId, CancellationToken cancellationToken)
    {
        string? recordedSession = null;
        try
        {
            await foreach (var message in client.ReceiveResponseAsync(cancellationToken))
            {
                // Recorded as soon as it is known, so a follow-up resumes the session even when this turn is
                // cancelled or fails.
                if (client.SessionId is { } session && session != recordedSession)
                {
                    recordedSession = session;
                    await store.UpdateAsync(projectId, project => project with { SessionId = session }, CancellationToken.None);
                }

                switch (message)
                {
                    case AssistantMessage assistant:
                        foreach (var text in assistant.Content.OfType<TextBlock>().Where(block => !string.IsNullOrWhiteSpace(block.Text)))
                        {
                            await events.AppendAsync(projectId, new AgentMessage(text.Text), cancellationToken);
                        }

                        break;
                    case ResultMessage result:
                        return result;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ask the CLI to stop the turn; disposing the client kills its process tree if it does not.
            await InterruptAsync(client);
            throw;
        }
        catch (CliProcessException exception)
        {
            throw new AgentFailedException($"The Claude Code CLI exited with code {exception.ExitCode}. {exception.StderrTail}".Trim(), exception);
        }
        catch (ClaudeAgentException exception)
        {
            throw new AgentFailedException($"The Claude Code CLI failed: {exception.Message}", exception);
        }

        throw new AgentFailedException("The Claude Code CLI ended the turn without a result.");
    }

    // Images first, then the prompt, then the note naming every attached file.
    private static List<JsonObject> PromptContent(AgentRun run)
    {
        List<JsonObject> content = [.. run.Files.Images.Select(image => UserContent.Image(image.MediaType, image.Base64))];
        if (run.BriefingNote is { } briefing)
        {
            content.Add(UserContent.Text(briefing));
        }

        content.Add(UserContent.Text(run.Prompt));
        if (run.Files.Note is { } note)
        {
            content.Add(UserContent.Text(note));
        }

        return content;
    }

    private static async Task InterruptAsync(ClaudeAgentClient client)
    {
        using var grace = new CancellationTokenSource(InterruptGrace);
        try
        {
            await client.InterruptAsync(grace.Token);
            await foreach (var message in client.ReceiveResponseAsync(grace.Token))
            {
                if (message is ResultMessage)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ClaudeAgentException)
        {
            // It did not stop in time, or is already gone: disposal ends it either way.
        }
    }

    // Asked once the turn is over, while the CLI still runs; the summary is counted from the last response's usage with
    // no further API call.
    private async Task<ContextWindowUsage?> ContextWindowAsync(ClaudeAgentClient client, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ContextUsageTimeout);
        try
        {
            var usage = await client.GetContextUsageAsync(ContextUsageDetail.Summary, timeout.Token);
            return usage.MaxTokens > 0 ? new ContextWindowUsage(usage.TotalTokens, usage.MaxTokens) : null;
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogContextUsageUnknown(logger, exception.Message);
            return null;
        }
        catch (ClaudeAgentException exception)
        {
            LogContextUsageUnknown(logger, exception.Message);
            return null;
        }
    }

    private static decimal SessionCostBefore(AgentRun run) => run.Project.SessionId is null ? 0m : run.Project.SessionCostUsd ?? 0m;

    private static AgentOutcome Outcome(ResultMessage result, AgentRun run, string? sessionId, decimal sessionCostBefore, int maxTurns)
    {
        var usage = new TokenUsage(
            result.Usage.InputTokens + result.Usage.CacheReadInputTokens + result.Usage.CacheCreationInputTokens,
            result.Usage.OutputTokens,
            result.Usage.CacheCreationInputTokens,
            result.Usage.CacheReadInputTokens);
        // The CLI prices Claude itself; its total runs over the session, so this prompt's is what it added. A local model is free.
        run.Spend.Add(usage, run.Model.IsLocal ? 0 : Math.Max(0m, result.TotalCostUsd - sessionCostBefore));
        return result.Subtype switch
        {
            ResultSubtype.Success when !result.IsError => new AgentOutcome(result.Result, result.NumTurns, sessionId),
            ResultSubtype.ErrorMaxTurns => throw new AgentFailedException(
                $"The agent stopped after {maxTurns} turns without finishing (Kiln:Agent:MaxTurns). Send a follow-up such as \"continue\" to go on."),
            ResultSubtype.ErrorMaxBudgetUsd => throw run.Spend.Stopped(),
            _ => throw new AgentFailedException(
                $"The agent failed: {string.Join(" ", result.Errors.DefaultIfEmpty(result.Result ?? result.Subtype.ToString()))}"),
        };
    }

    /// <summary>
    /// The CLI's whole environment, explicit: its home and config in the project's session directory (so
    /// nothing touches the server user's home), the model endpoint, and background traffic off.
    /// </summary>
    private static Dictionary<string, string> Environment(AgentRun run)
    {
        var home = run.SessionDirectory;
        var temp = Path.Combine(home, "tmp");
        Directory.CreateDirectory(temp);
        return new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["CLAUDE_CONFIG_DIR"] = Path.Combine(home, "config"),
            ["TMPDIR"] = temp,
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["LANG"] = "C.UTF-8",
            ["ANTHROPIC_BASE_URL"] = run.Model.BaseUrl.ToString().TrimEnd('/'),
            ["ANTHROPIC_API_KEY"] = run.Model.ApiKey,
            ["DISABLE_TELEMETRY"] = "1",
            ["DISABLE_AUTOUPDATER"] = "1",
            ["DISABLE_ERROR_REPORTING"] = "1",
            ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The Claude Code CLI did not say how full its context is: {Reason}")]
    private static partial void LogContextUsageUnknown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "claude: {Line}")]
    private static partial void LogCliStderr(ILogger logger, string line);
}
