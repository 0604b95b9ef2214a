using System.Text.Json;
using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>Source-generated serialisation for events: they are the hot path (stored once, sent to every subscriber).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProjectEvent))]
[JsonSerializable(typeof(GenerationQueued))]
[JsonSerializable(typeof(GenerationStarted))]
[JsonSerializable(typeof(AgentMessage))]
[JsonSerializable(typeof(ToolExecuted))]
[JsonSerializable(typeof(FileCreated))]
[JsonSerializable(typeof(FileUpdated))]
[JsonSerializable(typeof(FileDeleted))]
[JsonSerializable(typeof(ErrorOccurred))]
[JsonSerializable(typeof(GenerationCompleted))]
[JsonSerializable(typeof(GenerationCancelled))]
[JsonSerializable(typeof(StatusChanged))]
[JsonSerializable(typeof(ProjectStatus))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
