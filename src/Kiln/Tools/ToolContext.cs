using Kiln.Events;

namespace Kiln.Tools;

/// <summary>What a tool call acts on: one project's app directory, and where its events go.</summary>
public sealed record ToolContext(string ProjectId, AppDirectory App, EventLog Events);
