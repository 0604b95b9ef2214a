using Kiln.Events;
using Kiln.Projects;

namespace Kiln.Tools;

/// <summary>What a tool call acts on: one project's app directory, and where its events go.</summary>
public sealed record ToolContext(string ProjectId, AppDirectory App, EventLog Events);
