using System.Text;
using Kiln.Agents;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Kiln.Api;

/// <summary>
/// <c>POST /api/generate</c> as multipart/form-data: the fields <c>prompt</c> and <c>projectId</c>, and files in
/// <c>files</c> (or <c>files[]</c>). Read as a stream, one part at a time, so a file over the limit is refused as soon
/// as it is seen; every file is checked before anything is stored.
/// </summary>
public sealed record AttachmentForm(string? Prompt, string? ProjectId, IReadOnlyList<AttachmentFile> Files, decimal? MaxBudgetUsd = null, string? Model = null, string? Mode = null)
{
    private const int MaxFieldBytes = 256 * 1024;

    /// <summary>Reads and checks the form; returns it, or the ProblemDetails that says what to change.</summary>
    public static async Task<(AttachmentForm? Form, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, AttachmentsOptions options, CancellationToken cancellationToken)
    {
        // A cross-site page may post a form without asking (no CORS preflight), unlike JSON: OriginGuard refuses it
        // before it gets here.
        // This endpoint's own body limit, above the API's 1 MiB: every file at its largest, and the prompt.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxFilesBytes + ApiServiceCollectionExtensions.MaxRequestBodyBytes;
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return Refuse(StatusCodes.Status400BadRequest, "The form could not be read",
                "Send multipart/form-data with a boundary (browsers' FormData and curl -F do this), or JSON with Content-Type: application/json.");
        }

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 16 };
        string? prompt = null, projectId = null;
        decimal? maxBudgetUsd = null;
        string? model = null, mode = null;
        var files = new List<AttachmentFile>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        long total = 0;
        try
        {
            for (var section = await reader.ReadNextSectionAsync(cancellationToken); section is not null; section = await reader.ReadNextSectionAsync(cancellationToken))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFormDisposition() && !disposition.IsFileDisposition())
                {
                    return Refuse(StatusCodes.Status400BadRequest, "The form could not be read", "Every part of the form needs a Content-Disposition: form-data header with a name.");
                }

                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (disposition.IsFileDisposition())
                {
                    if (field is not ("files" or "files[]" or "file"))
                    {
                        return Refuse(StatusCodes.Status400BadRequest, "Unexpected file field", $"Files go in the field 'files'; this one was in '{field}'.");
                    }

                    var clientName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    if (files.Count == options.MaxFiles)
                    {
                        return Refuse(StatusCodes.Status400BadRequest, "Too many files",
                            $"A prompt may bring at most {options.MaxFiles} files (Kiln:Attachments:MaxFiles). Send fewer, or the rest with a follow-up.");
                    }

                    var bytes = await ReadUpToAsync(section.Body, options.MaxFileBytes, cancellationToken);
                    var safeName = AttachmentFile.SafeName(clientName);
                    if (bytes is null)
                    {
                        return Refuse(StatusCodes.Status413PayloadTooLarge, "A file is too large",
                            $"'{safeName}' is larger than {Megabytes(options.MaxFileBytes)}, the most one file may have (Kiln:Attachments:MaxFileBytes). Make it smaller, or leave it out.");
                    }

                    total += bytes.Length;
                    if (total > options.MaxTotalBytes)
                    {
                        return Refuse(StatusCodes.Status413PayloadTooLarge, "The files are too large together",
                            $"The files add up to more than {Megabytes(options.MaxTotalBytes)}, the most one prompt may bring (Kiln:Attachments:MaxTotalBytes). Send fewer or smaller files.");
                    }

                    if (bytes.Length == 0)
                    {
                        return Refuse(StatusCodes.Status400BadRequest, "A file is empty", $"'{safeName}' has no content. Attach the file with its content, or leave it out.");
                    }

                    var (file, refusal) = AttachmentFile.Check(clientName, bytes, options);
                    if (file is null)
                    {
                        return Refuse(StatusCodes.Status415UnsupportedMediaType, "A file is not of a kind Kiln accepts", refusal!);
                    }

                    if (!names.Add(file.Name))
                    {
                        file = file with { Name = Unique(file.Name, names) };
                    }

                    files.Add(file);
                }
                else if (field is "prompt" or "projectId" or "maxBudgetUsd" or "model" or "mode")
                {
                    var bytes = await ReadUpToAsync(section.Body, MaxFieldBytes, cancellationToken);
                    if (bytes is null)
                    {
                        return Refuse(StatusCodes.Status413PayloadTooLarge, $"The field '{field}' is too large", $"'{field}' may have at most {MaxFieldBytes} bytes.");
                    }

                    var value = Encoding.UTF8.GetString(bytes);
                    if (field == "prompt")
                    {
                        prompt = value;
                    }
                    else if (field == "mode")
                    {
                        mode = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
                    }
                    else if (field == "model")
                    {
                        model = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
                    }
                    else if (field == "maxBudgetUsd")
                    {
                        if (!string.IsNullOrWhiteSpace(value))
                        {
                            if (!decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var budget))
                            {
                                return Refuse(StatusCodes.Status400BadRequest, "The budget is not a number", $"'maxBudgetUsd' is US dollars, such as 0.50; '{value}' is not a number.");
                            }

                            maxBudgetUsd = budget;
                        }
                    }
                    else
                    {
                        projectId = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
                    }
                }
                else
                {
                    return Refuse(StatusCodes.Status400BadRequest, "Unexpected form field", $"The form has the fields 'prompt', 'projectId', 'model', 'mode', 'maxBudgetUsd' and 'files'; '{field}' is not one of them.");
                }
            }
        }
        catch (InvalidDataException exception)
        {
            return Refuse(StatusCodes.Status400BadRequest, "The form could not be read", $"The multipart body is malformed: {exception.Message}");
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // MultipartReader's word for a body that ended before its closing boundary.
            return Refuse(StatusCodes.Status400BadRequest, "The form could not be read",
                "The multipart body ended before its closing boundary; send the whole form.");
        }

        return (new AttachmentForm(prompt, projectId, files, maxBudgetUsd, model, mode), null);
    }

    // Null when the stream holds more than max bytes.
    private static async Task<byte[]?> ReadUpToAsync(Stream stream, int max, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string Unique(string name, HashSet<string> taken)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        for (var n = 2; ; n++)
        {
            var candidate = $"{stem}-{n}{extension}";
            if (taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private static string Megabytes(long bytes) => bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes} bytes";

    private static (AttachmentForm?, ProblemHttpResult?) Refuse(int status, string title, string detail) =>
        (null, TypedResults.Problem(title: title, detail: detail, statusCode: status));
}
