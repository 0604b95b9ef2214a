namespace Kiln.ClaudeAgent;

/// <summary>A failure of the Claude Code CLI or of the protocol with it; the subtypes say which.</summary>
public class ClaudeAgentException : Exception
{
    /// <summary>A failure described by <paramref name="message"/>.</summary>
    public ClaudeAgentException(string message)
        : base(message)
    {
    }

    /// <summary>A failure described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public ClaudeAgentException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A failure with no description.</summary>
    public ClaudeAgentException()
    {
    }
}

/// <summary>The Claude Code CLI could not be found; the message says where it was looked for and how to install it.</summary>
public sealed class CliNotFoundException : ClaudeAgentException
{
    /// <summary>The install command the message recommends.</summary>
    public const string InstallCommand = "npm install -g @anthropic-ai/claude-code";

    /// <summary>The CLI was not at any of <paramref name="searched"/>.</summary>
    public CliNotFoundException(IEnumerable<string> searched)
        : base($"The Claude Code CLI (claude) was not found. Install it with `{InstallCommand}`, or set " +
               $"ClaudeAgentOptions.CliPath to its executable. Looked in: {string.Join(", ", searched ?? [])}.")
    {
        Searched = [.. searched ?? []];
    }

    /// <summary>The paths and directories that were searched.</summary>
    public IReadOnlyList<string> Searched { get; }
}

/// <summary>The CLI process ended while the client still needed it (a crash, a kill, a bad flag).</summary>
public sealed class CliProcessException : ClaudeAgentException
{
    /// <summary>
    /// The CLI exited with <paramref name="exitCode"/>; <paramref name="stderrTail"/> is the end of what it wrote to
    /// stderr, <paramref name="unparsedOutput"/> the last lines of stdout that were not JSON.
    /// </summary>
    public CliProcessException(int exitCode, string stderrTail, string unparsedOutput = "")
        : base($"The Claude Code CLI exited with code {exitCode}{Describe(exitCode)}." +
               (string.IsNullOrWhiteSpace(stderrTail) ? "" : $" stderr: {stderrTail.Trim()}") +
               (string.IsNullOrWhiteSpace(unparsedOutput) ? "" : $" Its output that was not JSON: {unparsedOutput.Trim()}"))
    {
        ExitCode = exitCode;
        StderrTail = stderrTail ?? "";
        UnparsedOutput = unparsedOutput ?? "";
    }

    /// <summary>The last lines the CLI wrote to stdout that were not JSON (a wrapper's or the CLI's own complaint), skipped as they came.</summary>
    public string UnparsedOutput { get; }

    /// <summary>The exit code; on Unix 128 + N when a signal N killed it (137 for SIGKILL).</summary>
    public int ExitCode { get; }

    /// <summary>The last lines the CLI wrote to stderr.</summary>
    public string StderrTail { get; }

    private static string Describe(int exitCode) => !OperatingSystem.IsWindows() && exitCode > 128 && exitCode < 160
        ? $" (killed by signal {exitCode - 128})"
        : "";
}

/// <summary>The CLI is older than <see cref="ClaudeAgentOptions.MinimumCliVersion"/>.</summary>
public sealed class CliVersionException : ClaudeAgentException
{
    /// <summary>The CLI reported <paramref name="version"/>; this library needs <paramref name="minimum"/>.</summary>
    public CliVersionException(Version version, Version minimum)
        : base($"The Claude Code CLI is version {version}; this library needs {minimum} or newer. " +
               $"Update it with `{CliNotFoundException.InstallCommand}@latest`, or lower ClaudeAgentOptions.MinimumCliVersion.")
    {
        Version = version;
        Minimum = minimum;
    }

    /// <summary>The version the CLI reported.</summary>
    public Version Version { get; }

    /// <summary>The oldest version accepted.</summary>
    public Version Minimum { get; }
}

/// <summary>A line of the CLI's output that starts like a JSON object but is not one.</summary>
public sealed class MessageDecodeException : ClaudeAgentException
{
    /// <summary><paramref name="line"/> could not be decoded: <paramref name="reason"/>.</summary>
    public MessageDecodeException(string line, string reason, Exception? innerException = null)
        : base($"The Claude Code CLI wrote a line that is not a JSON message ({reason}): {Truncate(line)}", innerException)
    {
        Line = line;
    }

    /// <summary>The line as read.</summary>
    public string Line { get; }

    private static string Truncate(string line) => line.Length <= 500 ? line : string.Concat(line.AsSpan(0, 500), "…");
}

/// <summary>The CLI answered a control request (initialize, interrupt, set_model, …) with an error.</summary>
public sealed class ControlRequestException : ClaudeAgentException
{
    /// <summary>The CLI refused <paramref name="subtype"/> with <paramref name="error"/>.</summary>
    public ControlRequestException(string subtype, string error)
        : base($"The Claude Code CLI refused the '{subtype}' control request: {error}")
    {
        Subtype = subtype;
        Error = error;
    }

    /// <summary>The request's subtype.</summary>
    public string Subtype { get; }

    /// <summary>The CLI's error text.</summary>
    public string Error { get; }
}
