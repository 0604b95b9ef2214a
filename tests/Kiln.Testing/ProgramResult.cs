using System.Text;

namespace Kiln.Testing;

/// <summary>What a program run to completion left: its exit code, its standard output as bytes (a file's contents from git), and its standard error.</summary>
public sealed record ProgramResult(int ExitCode, byte[] OutputBytes, string Errors)
{
    /// <summary>Standard output as UTF-8 text.</summary>
    public string Output => Encoding.UTF8.GetString(OutputBytes);
}
