namespace Kiln.Agents;

/// <summary>
/// Keeps the images tools returned (check_app's screenshots) to the latest few in the built-in runtime's conversation:
/// each costs the model about as much as a page of text on every later turn, and the stored conversation would grow by
/// a base64 PNG per check. An older screenshot's tool result keeps its text and says where the image was. The person's
/// own images (prompt attachments) are not tool results and are never touched.
/// </summary>
public static class ToolResultImages
{
    /// <summary>Images kept: the page before and after the latest change.</summary>
    public const int Kept = 2;

    public const string RemovedNote = "[An older screenshot was here; Kiln took it out to keep the conversation small. Call check_app again to see the page as it is now.]";

    /// <summary>Replaces every tool-result image but the latest <paramref name="kept"/> with a note; returns how many it removed.</summary>
    public static int KeepLatest(List<ConversationMessage> conversation, int kept = Kept)
    {
        var seen = 0;
        var removed = 0;
        for (var i = conversation.Count - 1; i >= 0; i--)
        {
            var message = conversation[i];
            if (message.Role != ConversationRole.User || !message.Content.Any(part => part is ToolResultPart { Images.Count: > 0 }))
            {
                continue;
            }

            var content = new List<ContentPart>(message.Content.Count);
            var changed = false;
            // Later results in one message are newer; walk them from the end too, then put them back in order.
            for (var j = message.Content.Count - 1; j >= 0; j--)
            {
                var part = message.Content[j];
                if (part is ToolResultPart { Images.Count: > 0 } result)
                {
                    var keep = Math.Clamp(kept - seen, 0, result.Images.Count);
                    seen += result.Images.Count;
                    if (keep < result.Images.Count)
                    {
                        changed = true;
                        removed += result.Images.Count - keep;
                        part = result with
                        {
                            Content = $"{result.Content}\n\n{RemovedNote}",
                            Images = keep == 0 ? null : [.. result.Images.TakeLast(keep)],
                        };
                    }
                }

                content.Add(part);
            }

            if (changed)
            {
                content.Reverse();
                conversation[i] = message with { Content = content };
            }
        }

        return removed;
    }
}
