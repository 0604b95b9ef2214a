using System.Globalization;
using System.Text;
using Kiln.Events;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>
/// Keeps the files attached to prompts: every file in the project's <c>attachments/{promptNumber}/</c> (so a
/// queued or retried generation has them), text files also in the app under <c>public/uploads/</c>, where the
/// agent's tools can read them and the app can use them. Images reach the model as image blocks.
/// </summary>
public sealed class AttachmentStore(ProjectWorkspace workspace, EventLog events)
{
    public const string UploadsDirectory = "public/uploads";
    private const string DirectoryName = "attachments";

    /// <summary>Stores a prompt's checked files and announces them; returns them as the project record keeps them.</summary>
    public async Task<IReadOnlyList<Attachment>> SaveAsync(
        string projectId, int promptNumber, IReadOnlyList<AttachmentFile> files, CancellationToken cancellationToken)
    {
        var directory = PromptDirectory(projectId, promptNumber);
        Directory.CreateDirectory(directory);
        var app = new AppDirectory(workspace.AppDirectory(projectId));
        var saved = new List<Attachment>(files.Count);
        foreach (var file in files)
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, file.Name), file.Bytes, cancellationToken);
            string? appPath = null;
            if (file.Kind == AttachmentKind.Text)
            {
                // Through the app's one path rule, so a planted link under public/ cannot carry the file outside.
                var full = app.Resolve($"{UploadsDirectory}/{file.Name}");
                var existed = File.Exists(full);
                await AtomicFile.WriteAllBytesAsync(full, file.Bytes, cancellationToken);
                appPath = app.Relative(full);
                await events.AppendAsync(projectId, existed ? new FileUpdated(appPath, file.Bytes.Length) : new FileCreated(appPath, file.Bytes.Length), cancellationToken);
            }

            saved.Add(file.ToAttachment(appPath));
        }

        await events.AppendAsync(projectId, new AttachmentsReceived(promptNumber, saved), cancellationToken);
        return saved;
    }

    /// <summary>A prompt's attachments as the model receives them: images as base64, and a note naming every file.</summary>
    public async Task<PromptAttachments> LoadAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        if (request.Attachments is not { Count: > 0 } attachments)
        {
            return PromptAttachments.None;
        }

        var directory = PromptDirectory(request.ProjectId, request.PromptNumber);
        var images = new List<PromptImage>();
        foreach (var image in attachments.Where(attachment => attachment.Kind == AttachmentKind.Image))
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, image.Name), cancellationToken);
            images.Add(new PromptImage(image.Name, image.MediaType, Convert.ToBase64String(bytes)));
        }

        return new PromptAttachments(images, Describe(attachments));
    }

    /// <summary>The text that tells the model which files came with the prompt and where they are.</summary>
    public static string Describe(IReadOnlyList<Attachment> attachments)
    {
        var note = new StringBuilder("<attachments>\nThe person attached these files to this prompt:\n");
        foreach (var attachment in attachments)
        {
            var size = attachment.Size.ToString("N0", CultureInfo.InvariantCulture);
            note.Append(attachment.Kind == AttachmentKind.Image
                ? $"- {attachment.Name} ({attachment.MediaType}, {size} bytes): an image, shown above\n"
                : $"- {attachment.AppPath} ({attachment.MediaType}, {size} bytes): in the app; read it with read_file, and use or move it as the prompt asks\n");
        }

        return note.Append("</attachments>").ToString();
    }

    private string PromptDirectory(string projectId, int promptNumber) =>
        Path.Combine(workspace.ProjectDirectory(projectId), DirectoryName, promptNumber.ToString(CultureInfo.InvariantCulture));}

/// <summary>The files of a prompt as the model receives them: images to show, and a note naming every file.</summary>
public sealed record PromptAttachments(IReadOnlyList<PromptImage> Images, string? Note)
{
    public static readonly PromptAttachments None = new([], null);
}

/// <summary>An attached image, base64-encoded for a Messages API image block.</summary>
public sealed record PromptImage(string Name, string MediaType, string Base64);
