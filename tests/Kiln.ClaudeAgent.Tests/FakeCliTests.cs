namespace Kiln.ClaudeAgent.Tests;

/// <summary>
/// Failures the real CLI does not produce on demand, played by a stand-in executable: a script the
/// client starts in the CLI's place (directly, like the CLI, without a shell command line).
/// </summary>
public sealed class FakeCliTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("kiln-fake-cli-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Output_that_is_not_json_is_a_decode_error_with_the_line()
    {
        var options = Options("""
            echo 'Segmentation fault (core dumped)'
            sleep 30
            """);

        var error = await Assert.ThrowsAsync<MessageDecodeException>(() => ClaudeAgentClient.ConnectAsync(options, Ct));

        Assert.Equal("Segmentation fault (core dumped)", error.Line);
    }

    [Fact]
    public async Task A_cli_that_exits_during_start_up_reports_its_exit_code_and_stderr()
    {
        var options = Options("""
            echo 'error: unknown option --frobnicate' >&2
            exit 3
            """);

        var error = await Assert.ThrowsAsync<CliProcessException>(() => ClaudeAgentClient.ConnectAsync(options, Ct));

        Assert.Equal(3, error.ExitCode);
        Assert.Contains("unknown option --frobnicate", error.StderrTail, StringComparison.Ordinal);
    }

    private ClaudeAgentOptions Options(string script)
    {
        var path = Path.Combine(_directory.FullName, "claude");
        File.WriteAllText(path, $"#!/bin/sh\n{script}\n");
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("The stand-in CLI is a POSIX shell script.");
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return new ClaudeAgentOptions
        {
            CliPath = path,
            Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" },
            ShutdownTimeout = TimeSpan.FromMilliseconds(200),
        };
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
