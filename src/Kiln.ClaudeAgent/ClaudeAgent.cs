using System.Runtime.CompilerServices;

namespace Kiln.ClaudeAgent;

/// <summary>One-shot use of the Claude Code CLI: one prompt, one turn, the messages as a stream.</summary>
public static class ClaudeAgent
{
    /// <summary>
    /// Runs <paramref name="prompt"/> to the end of its turn and yields every message, the
    /// <see cref="ResultMessage"/> last. The CLI is started for the query and killed when the
    /// enumeration ends, is cancelled, or is abandoned.
    /// </summary>
    /// <exception cref="CliNotFoundException">The CLI is not installed.</exception>
    /// <exception cref="CliProcessException">The CLI crashed or was killed.</exception>
    public static async IAsyncEnumerable<Message> QueryAsync(
        string prompt, ClaudeAgentOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var client = await ClaudeAgentClient.ConnectAsync(options, cancellationToken);
        await client.SendAsync(prompt, cancellationToken);
        await foreach (var message in client.ReceiveResponseAsync(cancellationToken))
        {
            yield return message;
        }
    }
}
