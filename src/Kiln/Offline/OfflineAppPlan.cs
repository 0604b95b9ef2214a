namespace Kiln.Offline;

/// <summary>What the offline model builds for a project's prompts: the app's files and a message for the user.</summary>
/// <param name="Kind">The kind of app.</param>
/// <param name="Title">Its title.</param>
/// <param name="Files">Its files, in the order they are written.</param>
/// <param name="Summary">What the model tells the user at the end.</param>
/// <param name="Stack"><see cref="OfflineAppStack.Static"/> (the files are the whole app) or <see cref="OfflineAppStack.Vite"/>
/// (the files go over Vite's react-ts template).</param>
/// <param name="Parts">The kinds the app is made of: <paramref name="Kind"/> first, then each other kind the prompt asked for
/// that is built beside it on the same page ("a timer with a task list" is Timer, Todo).</param>
/// <param name="Missing">What the prompt asked for that the app does not have, in the prompt's words ("sound"); the
/// summary names each.</param>
public sealed record OfflineAppPlan(
    OfflineAppKind Kind,
    string Title,
    IReadOnlyList<OfflinePlannedFile> Files,
    string Summary,
    OfflineAppStack Stack,
    IReadOnlyList<OfflineAppKind> Parts,
    IReadOnlyList<string> Missing);

/// <summary>One file of a planned app. <see cref="Path"/> is relative with forward slashes, e.g. "index.html".</summary>
public sealed record OfflinePlannedFile(string Path, string Content);
