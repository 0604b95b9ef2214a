using System.Text.Json.Nodes;

namespace Kiln.Offline;

/// <summary>One assistant message of the offline model, before it is written as Messages API JSON or SSE.</summary>
public sealed record OfflineReply(IReadOnlyList<OfflineBlock> Content, string StopReason, int InputTokens, int OutputTokens);

public abstract record OfflineBlock;

public sealed record OfflineText(string Text) : OfflineBlock;

public sealed record OfflineToolUse(string Id, string Name, JsonObject Input) : OfflineBlock;
