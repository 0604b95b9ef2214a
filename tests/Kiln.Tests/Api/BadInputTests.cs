using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

/// <summary>Malformed and hostile requests get a 4xx ProblemDetails a person can act on; none is a 500.</summary>
public sealed class BadInputTests(BadInputTests.ReadyProject fixture) : IClassFixture<BadInputTests.ReadyProject>
{
    private readonly KilnApp _kiln = fixture.Kiln;
    private readonly string _readyProject = fixture.ProjectId;

    /// <summary>One Kiln with one finished project, shared by every case.</summary>
    public sealed class ReadyProject : IAsyncLifetime
    {
        public KilnApp Kiln { get; private set; } = null!;

        public string ProjectId { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Kiln = KilnApp.Start();
            ProjectId = await Kiln.GenerateAsync("A landing page for a bakery");
            await Kiln.WaitForStatusAsync(ProjectId, TimeSpan.FromSeconds(60), "ready");
        }

        public async ValueTask DisposeAsync() => await Kiln.DisposeAsync();
    }

    public static TheoryData<string, string, string?, string?, int> Requests => new()
    {
        // name, method + path, content type, body, expected status
        { "malformed JSON", "POST /api/generate", "application/json", "{\"prompt\":", 400 },
        { "JSON of the wrong shape", "POST /api/generate", "application/json", "[1,2,3]", 400 },
        { "prompt of the wrong type", "POST /api/generate", "application/json", "{\"prompt\":42}", 400 },
        { "no prompt", "POST /api/generate", "application/json", "{}", 400 },
        { "empty prompt", "POST /api/generate", "application/json", "{\"prompt\":\"\"}", 400 },
        { "blank prompt", "POST /api/generate", "application/json", "{\"prompt\":\"  \\n\\t \"}", 400 },
        { "prompt over the limit", "POST /api/generate", "application/json", JsonSerializer.Serialize(new { prompt = new string('a', 20_001) }), 400 },
        { "body over the size limit", "POST /api/generate", "application/json", JsonSerializer.Serialize(new { prompt = new string('a', 1_100_000) }), 413 },
        { "not JSON at all", "POST /api/generate", "text/plain", "make me an app", 415 },
        { "no body and no content type", "POST /api/generate", null, null, 415 },
        { "JSON null", "POST /api/generate", "application/json", "null", 400 },
        { "a form with no boundary", "POST /api/generate", "multipart/form-data", "prompt=x", 400 },
        { "a form that ends before its closing boundary", "POST /api/generate", "multipart/form-data; boundary=XX",
            "--XX\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhel", 400 },
        { "follow-up to an unknown project", "POST /api/generate", "application/json", "{\"prompt\":\"hi\",\"projectId\":\"aaaaaaaaaaaa\"}", 404 },
        { "follow-up to a hostile id", "POST /api/generate", "application/json", "{\"prompt\":\"hi\",\"projectId\":\"../../etc\"}", 404 },
        { "unknown project", "GET /api/projects/aaaaaaaaaaaa", null, null, 404 },
        { "malformed project id", "GET /api/projects/..%2F..%2Fetc", null, null, 404 },
        { "status of an unknown project", "GET /api/projects/zzzzzzzzzzzz/status", null, null, 404 },
        { "files of an unknown project", "GET /api/projects/zzzzzzzzzzzz/files", null, null, 404 },
        // An encoded slash is not a separator: the path stays one literal name inside the app, which is not there.
        { "file path with encoded traversal", "GET /api/projects/{ready}/files/..%2F..%2Fkiln.db", null, null, 404 },
        { "file path with encoded absolute path", "GET /api/projects/{ready}/files/%2Fetc%2Fpasswd", null, null, 404 },
        { "file path with backslash traversal", "GET /api/projects/{ready}/files/src%5C..%5C..%5Ckiln.db", null, null, 400 },
        { "file path into the home directory", "GET /api/projects/{ready}/files/~/.bashrc", null, null, 400 },
        { "file path with a control character", "GET /api/projects/{ready}/files/a%01b.txt", null, null, 400 },
        { "file that does not exist", "GET /api/projects/{ready}/files/nope.js", null, null, 404 },
        { "preview path with traversal", "GET /..%5C..%5C..%5Ckiln.db|Host: p-{ready}.localhost", null, null, 400 },
        { "preview of an unknown project", "GET /api/projects/zzzzzzzzzzzz/preview", null, null, 404 },
        { "after that is not a number", "GET /api/projects/{ready}/events?after=abc", null, null, 400 },
        { "negative after", "GET /api/projects/{ready}/events?after=-5", null, null, 400 },
        { "Last-Event-ID that is not a number", "GET /api/projects/{ready}/events|Last-Event-ID: x1", null, null, 400 },
        { "WebSocket endpoint without an upgrade", "GET /ws/{ready}", null, null, 400 },
        { "wrong method on generate", "PUT /api/generate", "application/json", "{\"prompt\":\"x\"}", 405 },
        { "wrong method on a project", "PATCH /api/projects/{ready}", "application/json", "{}", 405 },
        { "delete of an unknown project", "DELETE /api/projects/aaaaaaaaaaaa", null, null, 404 },
        { "cancel with nothing running", "POST /api/projects/{ready}/cancel", null, null, 409 },
        { "unknown route", "GET /api/nothing-here", null, null, 404 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Bad_request_gets_a_problem_details_answer(string name, string request, string? contentType, string? body, int expected)
    {
        var (line, header) = request.Split('|') is [var l, var h] ? (l, h) : (request, null);
        var method = new HttpMethod(line[..line.IndexOf(' ', StringComparison.Ordinal)]);
        var path = line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..].Replace("{ready}", _readyProject, StringComparison.Ordinal);
        using var message = new HttpRequestMessage(method, new Uri(_kiln.BaseAddress, path));
        if (body is not null)
        {
            message.Content = new StringContent(body, Encoding.UTF8);
            message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType!);
            // As curl does for big bodies: Kiln may answer (a 413 from the Content-Length alone) and close before a body it
            // will not read is sent, and a client still writing it would see a broken pipe instead of the answer.
            message.Headers.ExpectContinue = true;
        }

        if (header is not null)
        {
            var (headerName, headerValue) = (header[..header.IndexOf(':', StringComparison.Ordinal)], header[(header.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            message.Headers.TryAddWithoutValidation(headerName, headerValue.Replace("{ready}", _readyProject, StringComparison.Ordinal));
        }

        using var client = _kiln.Client();
        using var response = await client.SendAsync(message);

        Assert.True(expected == (int)response.StatusCode, $"{name}: expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), name);
        Assert.Empty(_kiln.Log.Errors);
    }
}
