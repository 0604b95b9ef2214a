using System.Text.Json;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>
/// The built-in runtime's conversation for one project, in its <c>.claude-session/</c> directory, so a
/// follow-up continues it. Written whole and renamed into place: a crash leaves the previous version.
/// </summary>
public sealed class ConversationFile(string sessionDirectory)
{
    private readonly string _path = Path.Combine(sessionDirectory, "conversation.json");

    public async Task<List<ConversationMessage>> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        await using var stream = File.OpenRead(_path);
        return await JsonSerializer.DeserializeAsync(stream, ConversationJsonContext.Default.ListConversationMessage, cancellationToken) ?? [];
    }

    public Task SaveAsync(List<ConversationMessage> messages, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(
            _path,
            (stream, token) => JsonSerializer.SerializeAsync(stream, messages, ConversationJsonContext.Default.ListConversationMessage, token),
            cancellationToken);
}
