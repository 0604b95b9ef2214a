using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Events;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Preview;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.PreviewErrors;

/// <summary>What the preview errors tests share: posting reports as the page's reporter does, and reading what Kiln kept.</summary>
internal static class ErrorReports
{
    /// <summary>A report as the injected reporter posts it: JSON, from the preview's own origin.</summary>
    public static async Task<HttpResponseMessage> PostAsync(PreviewHarness preview, string projectId, object body, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(preview.UrlFor(projectId), "/__kiln/errors"))
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Origin", origin ?? preview.UrlFor(projectId).GetLeftPart(UriPartial.Authority));
        return await preview.Browser.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static object Error(string message, string? file = null, int? line = null, int? column = null, int count = 1, string kind = "error") =>
        new { errors = new[] { new { kind, message, file, line, column, stack = $"Error: {message}\n    at run ({file}:{line}:{column})", count } } };

    /// <summary>The project's open errors, as the API answers them.</summary>
    public static async Task<List<JsonElement>> OpenAsync(KilnApp kiln, string projectId)
    {
        using var client = kiln.Client();
        var response = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/errors", TestContext.Current.CancellationToken);
        return [.. response.GetProperty("errors").EnumerateArray()];
    }

    /// <summary>Polls the open errors until one satisfies <paramref name="match"/>.</summary>
    public static async Task<JsonElement> WaitForOpenAsync(KilnApp kiln, string projectId, Func<JsonElement, bool> match, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        List<JsonElement> open = [];
        while (!deadline.IsCancellationRequested)
        {
            open = await OpenAsync(kiln, projectId);
            if (open.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                // An error is open a moment before its preview_error event is stored; wait for that too, so a caller
                // can read both.
                var id = found.GetProperty("id").GetString();
                while (!deadline.IsCancellationRequested
                       && !(await StoredAsync(kiln, projectId, "preview_error")).Any(e => e.GetProperty("id").GetString() == id))
                {
                    await Task.Delay(50, CancellationToken.None);
                }

                return found;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        throw new TimeoutException($"No open error of project {projectId} was {what} within {timeout}; open: {JsonSerializer.Serialize(open)}");
    }

    /// <summary>The data of every stored event of <paramref name="type"/>.</summary>
    public static async Task<List<JsonElement>> StoredAsync(KilnApp kiln, string projectId, string type)
    {
        var found = new List<JsonElement>();
        await foreach (var stored in kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, TestContext.Current.CancellationToken))
        {
            if (stored.Type == type)
            {
                found.Add(stored.Data);
            }
        }

        return found;
    }

    /// <summary>A static app of one page that runs <paramref name="script"/>, with a CSP that allows scripts of its own origin only.</summary>
    public static async Task WriteStaticAppAsync(string appDirectory, string script)
    {
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "index.html"), """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; connect-src 'self'">
            <title>Throws</title>
            </head>
            <body>
            <h1>A page that throws</h1>
            <script src="app.js"></script>
            </body>
            </html>
            """);
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "app.js"), script);
    }
}
