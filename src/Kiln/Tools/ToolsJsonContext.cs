using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kiln.Tools;

/// <summary>The machine-readable part of a run_command result, beside its text.</summary>
/// <param name="ExitCode">The program's exit code (137 when it was killed).</param>
/// <param name="DurationMs">Wall-clock time from start to the end of its output.</param>
/// <param name="Killed">It was stopped, by its timeout, by cancellation or by the project's quota, with everything it started.</param>
/// <param name="TimedOut">It ran past its timeout.</param>
/// <param name="OutputTruncated">It printed more than the sandbox keeps; the rest was dropped.</param>
/// <param name="QuotaExceeded">It took the project past its disk quota or file limit.</param>
public sealed record CommandOutcome(int ExitCode, long DurationMs, bool Killed, bool TimedOut, bool OutputTruncated, bool QuotaExceeded);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CommandOutcome))]
[JsonSerializable(typeof(TemplateStamp))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ToolsJsonContext : JsonSerializerContext;
