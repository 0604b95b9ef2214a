namespace Kiln.Agents.Offline;

/// <summary>What the offline model builds for a project's prompts: the app's files and a message for the user.</summary>
public sealed record OfflineAppPlan(OfflineAppKind Kind, string Title, IReadOnlyList<OfflinePlannedFile> Files, string Summary);

/// <summary>One file of a planned app. <see cref="Path"/> is relative with forward slashes, e.g. "index.html".</summary>
public sealed record OfflinePlannedFile(string Path, string Content);
