using Kiln.Events;
using Kiln.Projects;

namespace Kiln.Tools;

/// <summary>
/// What a tool call acts on: one project's app directory, where its events go, and which of its files are nobody's
/// work yet (<see cref="FileProvenance"/>, one per run of the tools).
/// </summary>
public sealed record ToolContext(string ProjectId, AppDirectory App, EventLog Events, FileProvenance Provenance);
