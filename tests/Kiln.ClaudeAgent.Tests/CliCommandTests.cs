namespace Kiln.ClaudeAgent.Tests;

/// <summary>The argv and environment the CLI is started with.</summary>
public sealed class CliCommandTests
{
    [Fact]
    public void Built_in_tools_can_be_switched_off_and_permission_questions_come_over_stdio()
    {
        var command = CliCommand.Create(new ClaudeAgentOptions
        {
            BuiltInTools = [],
            CanUseTool = (_, _) => Task.FromResult(PermissionDecision.Allow()),
            AllowedTools = ["mcp__kiln__echo", "mcp__kiln__read_file"],
            MaxTurns = 3,
            MaxBudgetUsd = 0.5m,
            PermissionMode = PermissionMode.AcceptEdits,
            Resume = "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            ForkSession = true,
        }, "/opt/claude");

        Assert.Equal("/opt/claude", command.FileName);
        Assert.Equal(
            ["--print", "--output-format=stream-json", "--input-format=stream-json", "--verbose",
             "--max-turns=3", "--max-budget-usd=0.5", "--permission-mode=acceptEdits", "--permission-prompt-tool=stdio",
             "--allowedTools=mcp__kiln__echo,mcp__kiln__read_file", "--tools=",
             "--resume=1b4e28ba-2fa1-11d2-883f-0016d3cca427", "--fork-session"],
            command.Arguments);
    }

    [Fact]
    public void Thinking_effort_structured_output_settings_and_extra_args_become_flags()
    {
        var command = CliCommand.Create(new ClaudeAgentOptions
        {
            Thinking = Thinking.Enabled(2048),
            Effort = Effort.XHigh,
            OutputFormat = OutputFormat.JsonSchema(new() { ["type"] = "object" }),
            Settings = "/etc/claude/extra.json",
            Continue = true,
            ResumeSessionAt = "6cf784d0-0404-45fc-826a-fd33b6408191",
            ExtraArgs = [new("plugin-dir", "/a"), new("plugin-dir", "/b"), new("bare")],
        }, "claude");

        Assert.Equal(
            ["--print", "--output-format=stream-json", "--input-format=stream-json", "--verbose",
             "--max-thinking-tokens=2048", "--effort=xhigh", "--continue", "--resume-session-at=6cf784d0-0404-45fc-826a-fd33b6408191",
             """--json-schema={"type":"object"}""", "--settings=/etc/claude/extra.json",
             "--plugin-dir=/a", "--plugin-dir=/b", "--bare"],
            command.Arguments);
    }

    [Fact]
    public void File_checkpointing_is_switched_on_in_the_environment()
    {
        var command = CliCommand.Create(new ClaudeAgentOptions { InheritEnvironment = false, EnableFileCheckpointing = true }, "claude");

        Assert.Equal("true", command.Environment["CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING"]);
    }

    [Fact]
    public void Only_external_mcp_servers_go_to_the_mcp_config_flag()
    {
        var command = CliCommand.Create(new ClaudeAgentOptions
        {
            McpServers = new Dictionary<string, McpServerConfig>
            {
                ["kiln"] = SdkMcpServer.FromType<TestTools>(),
                ["files"] = new McpStdioServer("mcp-files", ["--root", "/srv"]),
                ["web"] = new McpHttpServer(new Uri("http://127.0.0.1:9000/mcp")),
            },
        }, "claude");

        var config = Assert.Single(command.Arguments, a => a.StartsWith("--mcp-config=", StringComparison.Ordinal));
        Assert.Equal(
            """--mcp-config={"mcpServers":{"files":{"type":"stdio","command":"mcp-files","args":["--root","/srv"]},"web":{"type":"http","url":"http://127.0.0.1:9000/mcp"}}}""",
            config);
    }

    [Fact]
    public void Without_inheritance_the_child_sees_only_the_environment_it_is_given()
    {
        var command = CliCommand.Create(new ClaudeAgentOptions
        {
            InheritEnvironment = false,
            Environment = new Dictionary<string, string> { ["HOME"] = "/tmp/h", ["ANTHROPIC_API_KEY"] = "k" },
        }, "claude");

        Assert.Equal(
            new Dictionary<string, string> { ["HOME"] = "/tmp/h", ["ANTHROPIC_API_KEY"] = "k", ["CLAUDE_CODE_ENTRYPOINT"] = "sdk-dotnet" },
            command.Environment);
    }

    [Fact]
    public void The_environment_is_inherited_by_default_and_given_values_win()
    {
        var command = CliCommand.Create(new ClaudeAgentOptions
        {
            Environment = new Dictionary<string, string> { ["PATH"] = "/only/here" },
        }, "claude");

        Assert.Equal("/only/here", command.Environment["PATH"]);
        Assert.True(command.Environment.Count > 2);
    }

    [Fact]
    public void A_missing_cli_says_how_to_install_it()
    {
        var error = Assert.Throws<CliNotFoundException>(() => CliLocator.Find("/nowhere/claude"));

        Assert.Contains("npm install -g @anthropic-ai/claude-code", error.Message, StringComparison.Ordinal);
        Assert.Equal(["/nowhere/claude"], error.Searched);
    }

    [Fact]
    public void A_launcher_goes_before_the_cli_and_keeps_its_environment_and_directory()
    {
        var command = CliCommand.Create(new ClaudeAgentOptions
        {
            InheritEnvironment = false,
            Environment = new Dictionary<string, string> { ["HOME"] = "/srv/agent" },
            WorkingDirectory = "/srv/app",
        }, "/usr/bin/claude");

        var wrapped = command.RunThrough("/usr/bin/bwrap", ["--ro-bind", "/usr", "/usr", "--"], program: "/usr/lib/claude/claude.exe");

        Assert.Equal("/usr/bin/bwrap", wrapped.FileName);
        Assert.Equal(["--ro-bind", "/usr", "/usr", "--", "/usr/lib/claude/claude.exe", .. command.Arguments], wrapped.Arguments);
        Assert.Equal("/srv/agent", wrapped.Environment["HOME"]);
        Assert.Equal("/srv/app", wrapped.WorkingDirectory);
        Assert.Equal(["--", "/usr/bin/claude"], command.RunThrough("nice", ["--"]).Arguments.Take(2));
    }
}
