using System.ComponentModel;
using System.Text;
using Kiln.Events;
using Kiln.Projects;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>The file tools. Every path is relative to the project's app directory and confined to it.</summary>
[McpServerToolType]
public sealed class FileTools(ToolContext context, FileWriteRules rules, IOptions<ToolsOptions> options)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private readonly ToolsOptions _limits = options.Value;
    private AppDirectory App => context.App;

    [McpServerTool(Name = "write_file", Destructive = true, Idempotent = true)]
    [Description("Creates or replaces a file in the app with the given content. Parent directories are created. Use edit_file to change part of an existing file.")]
    public async Task<string> WriteFile(
        [Description("Path relative to the app directory, e.g. \"src/App.tsx\" or \"index.html\".")] string path,
        [Description("The complete new content of the file.")] string content,
        CancellationToken cancellationToken)
    {
        var full = FileWriteRules.ResolveWritable(App, path);
        if (Directory.Exists(full))
        {
            throw new McpException($"'{path}' is a directory; give a file path.");
        }

        var existed = File.Exists(full);
        var bytes = rules.Encode(content);
        var oldSize = existed ? new FileInfo(full).Length : 0;
        if (existed)
        {
            await GuardAgainstLostWorkAsync(full, path, content, bytes.Length, cancellationToken);
        }

        rules.EnsureRoom(context.ProjectId, path, bytes.Length - oldSize, newFile: !existed);
        await AtomicFile.WriteAllBytesAsync(full, bytes, cancellationToken);
        rules.Wrote(context.ProjectId, bytes.Length - oldSize, newFile: !existed);
        context.Provenance.Wrote(App.Relative(full), bytes);
        await ReportWrittenAsync(full, existed, bytes.Length, cancellationToken);
        return $"{(existed ? "Updated" : "Created")} {App.Relative(full)} ({bytes.Length} bytes).";
    }

    [McpServerTool(Name = "read_file", ReadOnly = true, Idempotent = true)]
    [Description("Reads a text file of the app. Long files are cut with a note; binary files are described, not shown.")]
    public async Task<string> ReadFile(
        [Description("Path relative to the app directory.")] string path,
        CancellationToken cancellationToken)
    {
        var full = App.Resolve(path);
        if (Directory.Exists(full))
        {
            throw new McpException($"'{path}' is a directory; use list_directory to see what it holds.");
        }

        if (!File.Exists(full))
        {
            throw new McpException($"'{path}' does not exist. Use list_directory to see the app's files.");
        }

        await using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = stream.Length;
        var buffer = new byte[(int)Math.Min(length, _limits.MaxReadBytes)];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        if (buffer.AsSpan().Contains((byte)0))
        {
            return $"{App.Relative(full)} is a binary file ({length} bytes); its content is not shown.";
        }

        var text = Utf8.GetString(buffer);
        return length > buffer.Length
            ? $"{text}\n\n[cut: showing the first {buffer.Length} of {length} bytes]"
            : text;
    }

    [McpServerTool(Name = "edit_file", Destructive = true)]
    [Description("Replaces one exact occurrence of old_string with new_string in a file. old_string must match the file exactly (whitespace included) and occur exactly once; include surrounding lines to make it unique.")]
    public async Task<string> EditFile(
        [Description("Path relative to the app directory.")] string path,
        [Description("The exact text to replace; it must occur exactly once in the file.")] string old_string,
        [Description("The replacement text.")] string new_string,
        CancellationToken cancellationToken)
    {
        var full = FileWriteRules.ResolveWritable(App, path);
        if (!File.Exists(full))
        {
            throw new McpException($"'{path}' does not exist. Use write_file to create it.");
        }

        if (string.IsNullOrEmpty(old_string))
        {
            throw new McpException("old_string is empty. Give the exact text to replace, or use write_file to replace the whole file.");
        }

        var oldBytes = await File.ReadAllBytesAsync(full, cancellationToken);
        var text = Utf8.GetString(oldBytes);
        var count = Occurrences(text, old_string);
        if (count != 1)
        {
            throw new McpException(count == 0
                ? $"old_string was not found in '{path}'. Read the file with read_file and copy the text exactly."
                : $"old_string occurs {count} times in '{path}'. Include more surrounding lines so it matches exactly once.");
        }

        var bytes = rules.Encode(text.Replace(old_string, new_string, StringComparison.Ordinal));
        rules.EnsureRoom(context.ProjectId, path, bytes.Length - oldBytes.Length, newFile: false);
        await AtomicFile.WriteAllBytesAsync(full, bytes, cancellationToken);
        rules.Wrote(context.ProjectId, bytes.Length - oldBytes.Length, newFile: false);
        // An edit of a file that was nobody's work leaves one that still is; an edit of earlier work stays protected.
        var relative = App.Relative(full);
        if (context.Provenance.IsNobodysWork(relative, oldBytes))
        {
            context.Provenance.Wrote(relative, bytes);
        }

        await ReportWrittenAsync(full, existed: true, bytes.Length, cancellationToken);
        return $"Edited {App.Relative(full)} ({bytes.Length} bytes).";
    }

    [McpServerTool(Name = "list_directory", ReadOnly = true, Idempotent = true)]
    [Description("Lists the files and directories under a directory of the app, recursively (node_modules and .git are summarised, not listed).")]
    public string ListDirectory(
        [Description("Directory relative to the app directory; omit for the app root.")] string? path = null)
    {
        var full = App.Resolve(path, allowRoot: true);
        if (!Directory.Exists(full))
        {
            throw new McpException(File.Exists(full)
                ? $"'{path}' is a file; use read_file to read it."
                : $"'{path}' does not exist.");
        }

        var lines = new List<string>();
        var truncated = false;
        foreach (var entry in AppFileTree.Walk(full, maxEntries: _limits.MaxListEntries + 1))
        {
            if (lines.Count == _limits.MaxListEntries)
            {
                truncated = true;
                break;
            }

            var relative = App.Relative(entry.FullName);
            lines.Add(entry switch
            {
                DirectoryInfo when AppDirectory.IsHiddenName(entry.Name) => $"{relative}/ (not listed)",
                DirectoryInfo => $"{relative}/",
                FileInfo file => $"{relative} ({file.Length} bytes)",
                _ => relative,
            });
        }

        if (lines.Count == 0)
        {
            return $"{(full == App.Root ? "The app directory" : App.Relative(full))} is empty.";
        }

        if (truncated)
        {
            lines.Add($"[cut at {_limits.MaxListEntries} entries; list a subdirectory to see more]");
        }

        return string.Join('\n', lines);
    }

    [McpServerTool(Name = "create_directory", Idempotent = true)]
    [Description("Creates a directory (and its parents) in the app.")]
    public string CreateDirectory(
        [Description("Directory path relative to the app directory.")] string path)
    {
        var full = FileWriteRules.ResolveWritable(App, path);
        if (File.Exists(full))
        {
            throw new McpException($"'{path}' is an existing file.");
        }

        Directory.CreateDirectory(full);
        return $"Directory {App.Relative(full)} is ready.";
    }

    [McpServerTool(Name = "delete_file", Destructive = true)]
    [Description("Deletes a file, or an empty directory, of the app.")]
    public async Task<string> DeleteFile(
        [Description("Path relative to the app directory.")] string path,
        CancellationToken cancellationToken)
    {
        var full = FileWriteRules.ResolveWritable(App, path);
        if (Directory.Exists(full) && new DirectoryInfo(full).LinkTarget is null)
        {
            if (Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw new McpException($"'{path}' is a directory that is not empty; delete its files first.");
            }

            Directory.Delete(full);
        }
        else if (File.Exists(full) || new FileInfo(full).LinkTarget is not null)
        {
            File.Delete(full);
        }
        else
        {
            throw new McpException($"'{path}' does not exist.");
        }

        rules.Removed(context.ProjectId);
        var relative = App.Relative(full);
        await context.Events.AppendAsync(context.ProjectId, new FileDeleted(relative), cancellationToken);
        return $"Deleted {relative}.";
    }

    // A model that rewrites a whole file sometimes writes an excerpt ("// ... rest unchanged") or a fragment, and
    // the code it left out would be gone. Such a write is refused and the file stays as it was, unless the file is
    // still what a scaffold produced or what this run wrote: that is nobody's work to lose.
    private async Task GuardAgainstLostWorkAsync(string full, string path, string content, long newSize, CancellationToken cancellationToken)
    {
        var oldSize = new FileInfo(full).Length;
        if (oldSize > _limits.MaxFileBytes)
        {
            return;
        }

        var oldBytes = await File.ReadAllBytesAsync(full, cancellationToken);
        if (context.Provenance.IsNobodysWork(App.Relative(full), oldBytes))
        {
            return;
        }

        var old = Utf8.GetString(oldBytes);
        // A placeholder the file already had is its own text, not an elision.
        var known = ElisionComments.Find(old).ToHashSet(StringComparer.Ordinal);
        var placeholders = ElisionComments.Find(content).Where(found => !known.Contains(found)).Distinct().ToList();
        if (placeholders.Count > 0)
        {
            throw new McpException(
                $"Refused: the new content of '{path}' stands in for code with {(placeholders.Count == 1 ? "a placeholder comment" : "placeholder comments")} " +
                $"({string.Join(", ", placeholders.Take(3).Select(found => $"\"{Shorten(found)}\""))}), so write_file would delete the code it replaces. " +
                "The file is unchanged. Use edit_file to change only the part that changes, or write the complete file with nothing left out.");
        }

        if (_limits.MaxShrinkRatio < 1 && oldSize >= _limits.ShrinkGuardMinBytes && oldSize - newSize > oldSize * _limits.MaxShrinkRatio)
        {
            throw new McpException(
                $"Refused: the new content of '{path}' is {newSize} bytes, {100 - newSize * 100 / oldSize}% smaller than the {oldSize} bytes it would replace, " +
                $"which looks like part of the file written over the whole (Kiln:Tools:MaxShrinkRatio is {_limits.MaxShrinkRatio:0.##}). The file is unchanged. " +
                "Use edit_file to change or remove parts of it; to really replace it with something much shorter, delete_file it first, then write_file.");
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : $"{text[..57]}...";

    private Task<ProjectEvent> ReportWrittenAsync(string full, bool existed, long size, CancellationToken cancellationToken)
    {
        var relative = App.Relative(full);
        EventData written = existed ? new FileUpdated(relative, size) : new FileCreated(relative, size);
        return context.Events.AppendAsync(context.ProjectId, written, cancellationToken);
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
