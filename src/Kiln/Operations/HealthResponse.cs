using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kiln.Operations;

/// <summary>
/// A health report as JSON: the overall status, then each check with its status, a sentence an operator can act
/// on, and its numbers. <c>{"status":"unhealthy","checks":[{"name":"disk","status":"unhealthy",…}]}</c>
/// </summary>
internal static class HealthResponse
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        // Written to memory first: the serializer flushes synchronously, which Kestrel refuses on a response.
        var body = new ArrayBufferWriter<byte>();
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteString("status", Name(report.Status));
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", Name(entry.Status));
            json.WriteString("description", entry.Description ?? entry.Exception?.Message);
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            if (entry.Data.Count > 0)
            {
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    json.WritePropertyName(key);
                    if (HealthJsonContext.Default.GetTypeInfo(value.GetType()) is { } type)
                    {
                        JsonSerializer.Serialize(json, value, type);
                    }
                    else
                    {
                        json.WriteStringValue(value.ToString());
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

/// <summary>The value types health checks put in their data.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class HealthJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
