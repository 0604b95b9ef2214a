using System.Globalization;
using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// The command that starts the CLI: program, argv and the complete environment. It is started
/// directly (no shell), so no argument is ever re-parsed.
/// </summary>
/// <param name="FileName">The program.</param>
/// <param name="Arguments">Its argv, one entry per argument.</param>
/// <param name="Environment">The child's entire environment.</param>
/// <param name="WorkingDirectory">Its working directory, or null for this process's.</param>
public sealed record CliCommand(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string? WorkingDirectory)
{
    /// <summary>The command for <paramref name="options"/>, with the CLI at <paramref name="cliPath"/>.</summary>
    public static CliCommand Create(ClaudeAgentOptions options, string cliPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Values are attached with '=' (as the TypeScript SDK does) so one that starts with '-' is
        // never taken for a flag.
        var args = new List<string>
        {
            "--print",
            "--output-format=stream-json",
            "--input-format=stream-json",
            "--verbose",
        };
        void Add(string flag, string? value)
        {
            if (value is not null)
            {
                args.Add($"--{flag}={value}");
            }
        }

        if (options.Thinking is { } thinking)
        {
            args.Add(thinking.ToFlag());
        }
        Add("effort", options.Effort?.Value);
        Add("model", options.Model);
        Add("fallback-model", options.FallbackModel);
        Add("max-turns", options.MaxTurns?.ToString(CultureInfo.InvariantCulture));
        Add("max-budget-usd", options.MaxBudgetUsd?.ToString(CultureInfo.InvariantCulture));
        Add("permission-mode", options.PermissionMode?.ToWire());
        if (options.CanUseTool is not null)
        {
            // Permission questions come to this process as can_use_tool control requests.
            Add("permission-prompt-tool", "stdio");
        }
        Add("allowedTools", options.AllowedTools.Count > 0 ? string.Join(',', options.AllowedTools) : null);
        Add("disallowedTools", options.DisallowedTools.Count > 0 ? string.Join(',', options.DisallowedTools) : null);
        Add("tools", options.BuiltInTools is { } tools ? string.Join(',', tools) : null);
        var external = options.McpServers
            .Select(s => (s.Key, Config: s.Value.ToCliConfig()))
            .Where(s => s.Config is not null)
            .ToList();
        if (external.Count > 0)
        {
            var servers = new JsonObject(external.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Config)));
            Add("mcp-config", new JsonObject { ["mcpServers"] = servers }.ToJsonString());
        }
        if (options.StrictMcpConfig)
        {
            args.Add("--strict-mcp-config");
        }
        if (options.Continue)
        {
            args.Add("--continue");
        }
        Add("resume", options.Resume);
        Add("resume-session-at", options.ResumeSessionAt);
        if (options.ForkSession)
        {
            args.Add("--fork-session");
        }
        Add("session-id", options.SessionId);
        // The schema goes in initialize too; the flag is what turns structured output on.
        Add("json-schema", options.OutputFormat?.Schema.ToJsonString());
        Add("settings", options.Settings);
        if (options.IncludePartialMessages)
        {
            args.Add("--include-partial-messages");
        }
        Add("setting-sources", options.SettingSources is { } sources ? string.Join(',', sources) : null);
        foreach (var directory in options.AdditionalDirectories)
        {
            Add("add-dir", directory);
        }
        foreach (var plugin in options.Plugins)
        {
            Add("plugin-dir", plugin);
        }
        foreach (var (flag, value) in options.ExtraArgs)
        {
            if (value is null)
            {
                args.Add($"--{flag}");
            }
            else
            {
                Add(flag, value);
            }
        }

        return new CliCommand(cliPath, args, EnvironmentFor(options), options.WorkingDirectory);
    }

    /// <summary>
    /// This command started through <paramref name="launcher"/>: the launcher with its own
    /// <paramref name="launcherArguments"/>, then this command's program and arguments, e.g.
    /// <c>bwrap --ro-bind /usr /usr … -- claude --print …</c>. Environment and working directory stay,
    /// so the launcher passes them on. For <see cref="ClaudeAgentOptions.WrapCommand"/>.
    /// </summary>
    /// <param name="launcher">The launcher's executable.</param>
    /// <param name="launcherArguments">Its arguments, ending with whatever separates them from the command it runs (<c>--</c> for bwrap).</param>
    /// <param name="program">The CLI as the launcher should name it, when it differs from <see cref="FileName"/> (say, a path inside a container); null keeps it.</param>
    public CliCommand RunThrough(string launcher, IEnumerable<string> launcherArguments, string? program = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(launcher);
        ArgumentNullException.ThrowIfNull(launcherArguments);
        return this with { FileName = launcher, Arguments = [.. launcherArguments, program ?? FileName, .. Arguments] };
    }

    private static Dictionary<string, string> EnvironmentFor(ClaudeAgentOptions options)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.InheritEnvironment)
        {
            foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
            {
                environment[(string)entry.Key] = (string?)entry.Value ?? "";
            }
            // The parent's Node flags (a debugger, a preload) are not meant for the CLI, and a parent that
            // is itself run by Claude Code must not make the CLI believe it is nested (the Python SDK's #573).
            environment.Remove("NODE_OPTIONS");
            environment.Remove("CLAUDECODE");
            if (options.WorkingDirectory is { } directory)
            {
                environment["PWD"] = directory;
            }
        }
        foreach (var (name, value) in options.Environment)
        {
            environment[name] = value;
        }
        if (options.EnableFileCheckpointing)
        {
            environment["CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING"] = "true";
        }
        // Says which host started the CLI (its telemetry, and a few defaults: CLI 2.1.332 offers its
        // claude-code-guide subagent to every host but its own SDKs). The caller may claim another.
        environment.TryAdd("CLAUDE_CODE_ENTRYPOINT", ClaudeAgentOptions.DefaultEntrypoint);
        return environment;
    }
}
