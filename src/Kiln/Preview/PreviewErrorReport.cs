using Kiln.Events;

namespace Kiln.Preview;

/// <summary>One error as a source reports it; <c>Count</c> is how many times it was seen since the last report.</summary>
public sealed record PreviewErrorReport(
    PreviewErrorSource Source,
    string Message,
    string? File = null,
    int? Line = null,
    int? Column = null,
    string? Stack = null,
    int Count = 1);

/// <summary>
/// An error of the running app that is still open, as <c>GET /api/projects/{id}/errors</c> shows it. Its <c>Id</c> is
/// the same for the same source, message and place: identical errors share it.
/// </summary>
public sealed record OpenPreviewError(
    string Id,
    PreviewErrorSource Source,
    string Message,
    string? File,
    int? Line,
    int? Column,
    string? Stack,
    int Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen)
{
    /// <summary><c>src/App.tsx:12:5</c>, or null when the error has no file.</summary>
    public string? Place => File is null ? null
        : Line is null ? File
        : Column is null ? $"{File}:{Line}"
        : $"{File}:{Line}:{Column}";
}
