using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kiln.ClaudeAgent;

/// <summary>
/// A conversation with a Claude Code CLI process: send prompts, read the agent's messages, interrupt
/// it, change its permission mode or model. The process lives as long as the client; disposing it
/// ends the session and kills the CLI's process tree.
/// </summary>
/// <example>
/// <code>
/// await using var client = await ClaudeAgentClient.ConnectAsync(options, ct);
/// await client.SendAsync("Build a todo app", ct);
/// await foreach (var message in client.ReceiveResponseAsync(ct)) { ... }
/// </code>
/// </example>
public sealed class ClaudeAgentClient : IAsyncDisposable
{
    private readonly ControlProtocol _protocol;
    private int _disposed;

    private ClaudeAgentClient(ControlProtocol protocol, InitializeResult initializeResult)
    {
        _protocol = protocol;
        InitializeResult = initializeResult;
    }

    /// <summary>The CLI's answer to <c>initialize</c>: its commands, subagents, models, account and version.</summary>
    public InitializeResult InitializeResult { get; }

    /// <summary>The CLI's process id.</summary>
    public int ProcessId => _protocol.Process.Id;

    /// <summary>The session id, known once the CLI has reported it (after the first prompt).</summary>
    public string? SessionId { get; private set; }

    /// <summary>
    /// One shot: runs <paramref name="prompt"/> to the end of its turn and yields every message, the
    /// <see cref="ResultMessage"/> last (the SDKs' <c>query()</c>). The CLI is started for the query and
    /// killed when the enumeration ends, is cancelled, or is abandoned.
    /// </summary>
    /// <exception cref="CliNotFoundException">The CLI is not installed.</exception>
    /// <exception cref="CliProcessException">The CLI crashed or was killed.</exception>
    public static async IAsyncEnumerable<Message> QueryAsync(
        string prompt, ClaudeAgentOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var client = await ConnectAsync(options, cancellationToken);
        await client.SendAsync(prompt, cancellationToken);
        await foreach (var message in client.ReceiveResponseAsync(cancellationToken))
        {
            yield return message;
        }
    }

    /// <summary>Starts the CLI and completes the <c>initialize</c> handshake.</summary>
    /// <exception cref="CliNotFoundException">The CLI is not installed (or not at <see cref="ClaudeAgentOptions.CliPath"/>).</exception>
    /// <exception cref="CliProcessException">The CLI exited during start-up.</exception>
    /// <exception cref="CliVersionException">The CLI is older than <see cref="ClaudeAgentOptions.MinimumCliVersion"/>.</exception>
    public static async Task<ClaudeAgentClient> ConnectAsync(ClaudeAgentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cliPath = CliLocator.Find(options.CliPath);
        var command = CliCommand.Create(options, cliPath);
        command = options.WrapCommand?.Invoke(command) ?? command;

        var logger = (ILogger?)options.LoggerFactory?.CreateLogger<ClaudeAgentClient>() ?? NullLogger.Instance;
        var process = CliProcess.Start(command, options.Stderr, logger);
        ControlProtocol protocol;
        try
        {
            protocol = new ControlProtocol(process, options, logger);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.InitializeTimeout);
            InitializeResult result;
            try
            {
                result = InitializeResult.From(await protocol.InitializeAsync(deadline.Token));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ClaudeAgentException(
                    $"The Claude Code CLI did not answer initialize within {options.InitializeTimeout.TotalSeconds:0} s. " +
                    $"stderr: {protocol.Process.StderrTail}");
            }
            CheckVersion(result, options.MinimumCliVersion, logger);
            return new ClaudeAgentClient(protocol, result);
        }
        catch
        {
            await protocol.DisposeAsync();
            throw;
        }
    }

    // An older CLI may misread this library's requests in ways that fail far from the cause; the
    // version it reports says so up front. One too old to report it at all is let through, with a warning.
    private static void CheckVersion(InitializeResult result, Version? minimum, ILogger logger)
    {
        if (minimum is null)
        {
            return;
        }
        if (result.ParsedCliVersion is not { } version)
        {
            Log.CliVersionUnknown(logger, minimum);
        }
        else if (version < minimum)
        {
            throw new CliVersionException(version, minimum);
        }
    }

    /// <summary>Sends a user prompt; the agent starts (or queues) a turn.</summary>
    /// <returns>The user message's uuid, which <see cref="RewindFilesAsync"/> takes.</returns>
    public Task<string> SendAsync(string prompt, CancellationToken cancellationToken = default) =>
        SendAsync([UserContent.Text(prompt)], cancellationToken);

    /// <summary>
    /// Sends a user message made of Messages API content blocks (text, images, documents); <see cref="UserContent"/>
    /// makes the common ones.
    /// </summary>
    /// <returns>The user message's uuid, which <see cref="RewindFilesAsync"/> takes.</returns>
    public async Task<string> SendAsync(IEnumerable<JsonObject> content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // The CLI records the message under the uuid it is sent with, so the caller can name it later.
        var uuid = Guid.NewGuid().ToString();
        await _protocol.WriteAsync(new JsonObject
        {
            ["type"] = "user",
            ["uuid"] = uuid,
            ["session_id"] = SessionId ?? "",
            ["message"] = new JsonObject { ["role"] = "user", ["content"] = new JsonArray([.. content]) },
            ["parent_tool_use_id"] = null,
        }, cancellationToken);
        return uuid;
    }

    /// <summary>Every message the agent emits, across turns, until the CLI ends the session.</summary>
    /// <exception cref="CliProcessException">The CLI crashed or was killed.</exception>
    /// <exception cref="MessageDecodeException">The CLI wrote a line that starts like a JSON object but is not one (other lines that are not JSON objects are skipped).</exception>
    public async IAsyncEnumerable<Message> ReceiveMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var message in _protocol.Messages.ReadAllAsync(cancellationToken))
        {
            SessionId = message.SessionId ?? SessionId;
            yield return message;
        }
    }

    /// <summary>The messages of the current turn, up to and including its <see cref="ResultMessage"/>.</summary>
    /// <exception cref="CliProcessException">The CLI crashed or was killed.</exception>
    /// <exception cref="ClaudeAgentException">The CLI ended the session before the turn's result.</exception>
    public async IAsyncEnumerable<Message> ReceiveResponseAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var message in ReceiveMessagesAsync(cancellationToken))
        {
            yield return message;
            if (message is ResultMessage)
            {
                yield break;
            }
        }
        throw new ClaudeAgentException($"The Claude Code CLI ended the session before the turn finished. stderr: {_protocol.Process.StderrTail}");
    }

    /// <summary>Stops the current turn; it ends with a result (the CLI reports it as interrupted).</summary>
    public Task InterruptAsync(CancellationToken cancellationToken = default) =>
        RequestAsync(new JsonObject { ["subtype"] = "interrupt" }, cancellationToken);

    /// <summary>Changes how tool permissions are decided, from the next tool call on.</summary>
    public Task SetPermissionModeAsync(PermissionMode mode, CancellationToken cancellationToken = default) =>
        RequestAsync(new JsonObject { ["subtype"] = "set_permission_mode", ["mode"] = mode.ToWire() }, cancellationToken);

    /// <summary>Changes the model from the next request on; null returns to the session's default.</summary>
    public Task SetModelAsync(string? model, CancellationToken cancellationToken = default) =>
        RequestAsync(new JsonObject { ["subtype"] = "set_model", ["model"] = model }, cancellationToken);

    /// <summary>
    /// Changes the thinking budget from the next request on (<c>set_max_thinking_tokens</c>); null returns
    /// to the session's own budget.
    /// </summary>
    public Task SetMaxThinkingTokensAsync(int? maxThinkingTokens, CancellationToken cancellationToken = default) =>
        RequestAsync(new JsonObject { ["subtype"] = "set_max_thinking_tokens", ["max_thinking_tokens"] = maxThinkingTokens }, cancellationToken);

    /// <summary>The state of every MCP server of the session, with the tools of each connected one (<c>mcp_status</c>).</summary>
    public async Task<IReadOnlyList<McpServerStatus>> GetMcpStatusAsync(CancellationToken cancellationToken = default)
    {
        var response = await RequestAsync(new JsonObject { ["subtype"] = "mcp_status" }, cancellationToken);
        return [.. response.Objects("mcpServers").Select(McpServerStatus.From)];
    }

    /// <summary>Reconnects an MCP server, e.g. one that failed or whose process died (<c>mcp_reconnect</c>).</summary>
    /// <exception cref="ControlRequestException">There is no server of that name.</exception>
    public Task ReconnectMcpServerAsync(string serverName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        return RequestAsync(new JsonObject { ["subtype"] = "mcp_reconnect", ["serverName"] = serverName }, cancellationToken);
    }

    /// <summary>Switches an MCP server, and so its tools, off or back on for the rest of the session (<c>mcp_toggle</c>).</summary>
    /// <exception cref="ControlRequestException">There is no server of that name.</exception>
    public Task ToggleMcpServerAsync(string serverName, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        return RequestAsync(new JsonObject { ["subtype"] = "mcp_toggle", ["serverName"] = serverName, ["enabled"] = enabled }, cancellationToken);
    }

    /// <summary>How full the context window is, by category (<c>get_context_usage</c>).</summary>
    /// <param name="detail"><see cref="ContextUsageDetail.Summary"/> answers without calling the API.</param>
    /// <param name="cancellationToken">Cancels the wait for the answer.</param>
    public async Task<ContextUsage> GetContextUsageAsync(ContextUsageDetail detail = ContextUsageDetail.Full, CancellationToken cancellationToken = default)
    {
        var response = await RequestAsync(new JsonObject
        {
            ["subtype"] = "get_context_usage",
            ["detail"] = detail == ContextUsageDetail.Summary ? "summary" : "full",
        }, cancellationToken);
        return ContextUsage.From(response);
    }

    /// <summary>Stops a running background task (a background command or subagent) by the id its <c>task_started</c> message gave (<c>stop_task</c>).</summary>
    public Task StopTaskAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        return RequestAsync(new JsonObject { ["subtype"] = "stop_task", ["task_id"] = taskId }, cancellationToken);
    }

    /// <summary>
    /// Puts the files the agent changed back as they were when the user message <paramref name="userMessageId"/>
    /// was sent (<c>rewind_files</c>); needs <see cref="ClaudeAgentOptions.EnableFileCheckpointing"/>.
    /// </summary>
    /// <param name="userMessageId">The uuid of a user message of this session, e.g. the one <see cref="SendAsync(string, CancellationToken)"/> returned.</param>
    /// <param name="dryRun">Only say what would change.</param>
    /// <param name="cancellationToken">Cancels the wait for the answer.</param>
    public async Task<RewindFilesResult> RewindFilesAsync(string userMessageId, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userMessageId);
        var response = await RequestAsync(new JsonObject
        {
            ["subtype"] = "rewind_files",
            ["user_message_id"] = userMessageId,
            ["dry_run"] = dryRun,
        }, cancellationToken);
        return RewindFilesResult.From(response);
    }

    /// <summary>
    /// Sends any control request and returns the CLI's answer as it is: for requests this client has no
    /// method for yet. <paramref name="request"/> carries the fields besides <c>subtype</c>.
    /// </summary>
    /// <example><c>await client.SendControlRequestAsync("get_settings", cancellationToken: ct)</c></example>
    /// <exception cref="ControlRequestException">The CLI refused the request, e.g. a subtype it does not know.</exception>
    public Task<JsonObject> SendControlRequestAsync(string subtype, JsonObject? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subtype);
        var body = (JsonObject?)request?.DeepClone() ?? [];
        body["subtype"] = subtype;
        return RequestAsync(body, cancellationToken);
    }

    private Task<JsonObject> RequestAsync(JsonObject request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _protocol.RequestAsync(request, cancellationToken);
    }

    /// <summary>Ends the session: closes the CLI's input, waits briefly, then kills its process tree.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _protocol.DisposeAsync();
        }
    }
}
