using Kiln.Projects;

namespace Kiln.Preview;

/// <summary>
/// Paths a preview never passes to the dev server, whose own checks have let files outside the app through before
/// (Vite's <c>/@fs/</c> and its query-string bypasses): a preview serves the app and nothing else on the machine.
/// </summary>
internal static class PreviewPaths
{
    /// <summary>Vite's door to any file on disk by absolute path; an app whose files are all inside it never needs it.</summary>
    public static bool IsFileSystemAccess(PathString path) =>
        path.StartsWithSegments("/@fs", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Why the path leaves the app, or null when it stays inside: an encoded <c>/</c> or <c>\</c> a server might decode
    /// into a <c>..</c>, or a symbolic link in the app that points outside it. Kestrel has already removed dot segments;
    /// paths that name no file (Vite's <c>/@vite/client</c>, a client-side route) pass.
    /// </summary>
    public static string? LeavesApp(PathString path, string appDirectory)
    {
        var value = path.Value ?? "/";
        if (value.Contains("%2f", StringComparison.OrdinalIgnoreCase) || value.Contains("%5c", StringComparison.OrdinalIgnoreCase) || value.Contains('\\'))
        {
            return $"Refused path '{value}': an encoded slash or a backslash could lead outside the app.";
        }

        if (value.StartsWith("/@", StringComparison.Ordinal) || !Directory.Exists(appDirectory))
        {
            return null;
        }

        try
        {
            new AppDirectory(appDirectory).Resolve(value.TrimStart('/'), allowRoot: true);
            return null;
        }
        catch (PathRefusedException refused)
        {
            return refused.Message;
        }
    }
}
