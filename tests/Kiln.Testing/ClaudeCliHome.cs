namespace Kiln.Testing;

/// <summary>
/// A throwaway home for the Claude Code CLI in a temp directory, and the environment that points the
/// CLI at a <see cref="ScriptedModelServer"/> with its background traffic (telemetry, auto-update,
/// error reports) off, so a test never touches the real home or the network.
/// </summary>
public sealed class ClaudeCliHome : IDisposable
{
    /// <summary>Makes the directories.</summary>
    public ClaudeCliHome()
    {
        Root = Directory.CreateTempSubdirectory("kiln-cli-").FullName;
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(WorkingDirectory);
        Directory.CreateDirectory(Temp);
    }

    /// <summary>The temp directory holding everything.</summary>
    public string Root { get; }

    /// <summary>HOME for the CLI; its config lives in <c>.claude</c> under it.</summary>
    public string Home => Path.Combine(Root, "home");

    /// <summary>CLAUDE_CONFIG_DIR: settings, session transcripts.</summary>
    public string ConfigDirectory => Path.Combine(Home, ".claude");

    /// <summary>A working directory for the agent.</summary>
    public string WorkingDirectory => Path.Combine(Root, "work");

    /// <summary>TMPDIR for the CLI.</summary>
    public string Temp => Path.Combine(Root, "tmp");

    /// <summary>The CLI's whole environment for a session against <paramref name="model"/>.</summary>
    public Dictionary<string, string> EnvironmentFor(ScriptedModelServer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new Dictionary<string, string>
        {
            ["HOME"] = Home,
            ["CLAUDE_CONFIG_DIR"] = ConfigDirectory,
            ["TMPDIR"] = Temp,
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["ANTHROPIC_BASE_URL"] = model.BaseUrl,
            ["ANTHROPIC_API_KEY"] = "sk-ant-scripted-test-key",
            ["DISABLE_TELEMETRY"] = "1",
            ["DISABLE_AUTOUPDATER"] = "1",
            ["DISABLE_ERROR_REPORTING"] = "1",
            // Also stops the connectivity probe (HEAD /api/hello) and other calls beside the conversation.
            ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
        };
    }

    /// <summary>Deletes the directories.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process that outlived the test may still hold a file; the temp directory is the OS's to clean.
        }
    }
}
