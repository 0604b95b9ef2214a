namespace Kiln.ClaudeAgent.Tests;

/// <summary>
/// A stand-in for the Claude Code CLI: a POSIX shell script the client starts in the CLI's place
/// (directly, like the CLI), for the misbehaviour the real CLI does not produce on demand. The
/// script gets shell functions that speak enough of the protocol: <c>answer</c> reads one control
/// request and answers it, <c>emit</c> writes a line, <c>$result</c> is a turn's result message.
/// </summary>
internal sealed class StandInCli : IDisposable
{
    /// <summary>The initialize answer of a current CLI.</summary>
    public const string Initialized = """{"claude_code_version":"2.1.332"}""";

    private const string Preamble = """
        # answer [RESPONSE]: read one control request from stdin, answer it with success and RESPONSE ({} by default).
        answer() {
          IFS= read -r line || exit 0
          id=$(printf '%s' "$line" | sed -n 's/.*"request_id":"\([^"]*\)".*/\1/p')
          printf '{"type":"control_response","response":{"subtype":"success","request_id":"%s","response":%s}}\n' "$id" "${1:-"{}"}"
        }
        # emit LINE: write one line to stdout.
        emit() { printf '%s\n' "$1"; }
        result='{"type":"result","subtype":"success","is_error":false,"result":"Done.","num_turns":1,"duration_ms":1,"duration_api_ms":1,"total_cost_usd":0,"usage":{},"session_id":"s1"}'
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("kiln-stand-in-cli-");

    public StandInCli(string script)
    {
        Path = System.IO.Path.Combine(_directory.FullName, "claude");
        File.WriteAllText(Path, $"#!/bin/sh\ndir='{_directory.FullName}'\n{Preamble}\n{script}\n");
        MakeExecutable(Path);
    }

    /// <summary>Marks a script executable; a test that needs one is skipped on Windows.</summary>
    public static void MakeExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("The stand-in is a POSIX shell script.");
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The script.</summary>
    public string Path { get; }

    /// <summary>Options that start the stand-in, with a short shutdown grace.</summary>
    public ClaudeAgentOptions Options => new()
    {
        CliPath = Path,
        InheritEnvironment = false,
        Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" },
        ShutdownTimeout = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>A file in the stand-in's directory (the script sees the directory as <c>$dir</c>).</summary>
    public string FileNamed(string name) => System.IO.Path.Combine(_directory.FullName, name);

    public void Dispose() => _directory.Delete(recursive: true);
}
