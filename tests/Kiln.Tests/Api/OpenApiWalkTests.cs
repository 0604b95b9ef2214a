using System.Net;
using System.Text;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

/// <summary>
/// Every operation the OpenAPI document names, sent what a careless or hostile client sends: garbage in each path
/// parameter, query values of the wrong type, the wrong Content-Type, bodies that are not JSON or not the right JSON,
/// values far too large. None may answer 500, and every 4xx is a ProblemDetails a person can read. The operations come
/// from the document, so an endpoint added tomorrow is walked without touching this test.
/// </summary>
public sealed class OpenApiWalkTests
{
    /// <summary>
    /// What goes into a path parameter in place of a real value. Long, but inside Kestrel's request-line limit; no NUL,
    /// which Kestrel refuses on the request line with a bare 400 before Kiln sees the request.
    /// </summary>
    private static readonly string[] GarbageSegments =
    [
        new string('a', 2000),
        "..",
        "%2E%2E",
        "..%2F..%2Fkiln.db",
        "%2Fetc%2Fpasswd",
        "ünïcødé-😀-名前",
        "%FF%FE",
        " ",
        "-1",
        "99999999999999999999999999",
        "a%0Ab",
        "",
    ];

    /// <summary>Bodies that are not the JSON an operation takes, each with the Content-Type it is sent with (null: none).</summary>
    private static readonly (string Name, string? ContentType, string Body)[] GarbageBodies =
    [
        ("not JSON, sent as text", "text/plain", "make me an app"),
        ("JSON with no Content-Type", null, "{\"prompt\":\"x\"}"),
        ("an unknown Content-Type", "application/x-unknown", "{}"),
        ("a Content-Type that does not parse", "this is not a media type", "{}"),
        ("XML", "application/xml", "<prompt>x</prompt>"),
        ("invalid JSON", "application/json", "{\"prompt\":"),
        ("JSON with a bad charset", "application/json; charset=klingon", "{}"),
        ("a JSON array", "application/json", "[1,2,3]"),
        ("a JSON string", "application/json", "\"x\""),
        ("JSON null", "application/json", "null"),
        ("an empty JSON body", "application/json", ""),
        ("deeply nested JSON", "application/json", new string('[', 5000) + new string(']', 5000)),
        ("a form with no boundary", "multipart/form-data", "prompt=x"),
        ("a truncated form", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhel"),
        ("a url-encoded form", "application/x-www-form-urlencoded", "prompt=%ZZ&&=="),
    ];

    /// <summary>
    /// Sent only where a body is read: an operation that takes none answers before reading, and the connection then
    /// closes under a client still writing a megabyte.
    /// </summary>
    private static readonly string OversizeBody = "{\"prompt\":\"" + new string('a', 1_100_000) + "\"}";

    [Fact]
    public async Task Every_operation_answers_malformed_requests_with_a_problem_details_and_never_a_500()
    {
        await using var kiln = KilnApp.Start();
        using var client = kiln.Client();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", cancellationToken));
        var operations = Operations(document.RootElement).ToList();
        Assert.NotEmpty(operations);

        var failures = new List<string>();
        var sent = 0;
        foreach (var operation in operations)
        {
            // A project of its own for each operation, so one that deletes or changes it leaves the others theirs.
            var projectId = await kiln.CreateReadyProjectAsync();
            foreach (var request in Requests(operation, projectId, document.RootElement))
            {
                sent++;
                var failure = await SendAsync(client, kiln.BaseAddress, request, cancellationToken);
                if (failure is not null)
                {
                    failures.Add(failure);
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} malformed requests were not answered with a 4xx ProblemDetails:\n{string.Join("\n", failures.Take(60))}");
        Assert.Empty(kiln.Log.Errors);
    }

    private sealed record Parameter(string Name, string In, string? Type);

    private sealed record Operation(string Method, string PathTemplate, IReadOnlyList<Parameter> Parameters, JsonElement? RequestBody)
    {
        public override string ToString() => $"{Method} {PathTemplate}";
    }

    private sealed record WalkRequest(Operation Operation, string What, string Path, string? ContentType, string? Body);

    private static IEnumerable<Operation> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            var shared = path.Value.TryGetProperty("parameters", out var common) ? common.EnumerateArray().ToList() : [];
            foreach (var method in path.Value.EnumerateObject().Where(m => m.Name is not ("parameters" or "summary" or "description" or "servers")))
            {
                var parameters = shared
                    .Concat(method.Value.TryGetProperty("parameters", out var own) ? own.EnumerateArray() : [])
                    .Select(p => new Parameter(
                        p.GetProperty("name").GetString()!,
                        p.GetProperty("in").GetString()!,
                        p.TryGetProperty("schema", out var schema) ? TypeOf(schema) : null))
                    .ToList();
                yield return new Operation(
                    method.Name.ToUpperInvariant(),
                    path.Name,
                    parameters,
                    method.Value.TryGetProperty("requestBody", out var body) ? body : null);
            }
        }
    }

    private static IEnumerable<WalkRequest> Requests(Operation operation, string projectId, JsonElement document)
    {
        var pathParameters = operation.Parameters.Where(p => p.In == "path").ToList();
        var queryParameters = operation.Parameters.Where(p => p.In == "query").ToList();
        var validPath = Fill(operation.PathTemplate, pathParameters, projectId, replaced: null, garbage: null);

        // Garbage in one path parameter at a time, the others as a client would fill them.
        foreach (var parameter in pathParameters)
        {
            foreach (var garbage in GarbageSegments)
            {
                yield return new WalkRequest(operation, $"path {{{parameter.Name}}} = '{Shorten(garbage)}'",
                    Fill(operation.PathTemplate, pathParameters, projectId, parameter.Name, garbage), null, null);
            }
        }

        // Query values of the wrong type, and values of the right type that are far out of range.
        foreach (var parameter in queryParameters)
        {
            foreach (var value in WrongValues(parameter.Type))
            {
                yield return new WalkRequest(operation, $"query {parameter.Name} = '{Shorten(value)}'",
                    $"{validPath}?{parameter.Name}={Uri.EscapeDataString(value)}", null, null);
            }
        }

        // A body where one is taken or not: the wrong Content-Type, JSON that does not parse or has the wrong shape.
        if (operation.Method is "GET" or "HEAD")
        {
            yield break;
        }

        foreach (var (name, contentType, body) in GarbageBodies)
        {
            yield return new WalkRequest(operation, $"body: {name}", validPath, contentType, body);
        }

        if (operation.RequestBody is not null)
        {
            yield return new WalkRequest(operation, "a body over the size limit", validPath, "application/json", OversizeBody);
        }

        // Each property of the JSON body in turn with a value of the wrong type or too large, the others absent.
        foreach (var (property, type) in BodyProperties(operation.RequestBody, document))
        {
            foreach (var value in WrongJsonValues(type))
            {
                yield return new WalkRequest(operation, $"body property {property} = {Shorten(value)}", validPath, "application/json",
                    $"{{{JsonSerializer.Serialize(property)}:{value}}}");
            }
        }
    }

    private static string Fill(string template, IReadOnlyList<Parameter> parameters, string projectId, string? replaced, string? garbage)
    {
        var path = template;
        foreach (var parameter in parameters)
        {
            var value = parameter.Name == replaced
                ? garbage!
                : parameter.Name.Contains("project", StringComparison.OrdinalIgnoreCase)
                    ? projectId
                    : parameter.Type is "integer" or "number" ? "1" : "index.html";
            path = path.Replace($"{{{parameter.Name}}}", value, StringComparison.Ordinal);
        }

        return path;
    }

    private static IEnumerable<string> WrongValues(string? type) => type switch
    {
        "integer" or "number" => ["abc", "1.5", "-1", "99999999999999999999999999", "1e400", "", "0x10", "١٢"],
        "boolean" => ["maybe", "2", ""],
        _ => [new string('q', 2000), "ünïcødé-😀", "../../etc/passwd", "", "%00"],
    };

    private static IEnumerable<string> WrongJsonValues(string? type)
    {
        string[] wrongType = type switch
        {
            "string" => ["12345", "{}", "[]", "true"],
            "integer" or "number" => ["\"abc\"", "1.5", "1e400", "99999999999999999999999999", "{}"],
            "boolean" => ["\"yes\"", "2"],
            "array" => ["{}", "\"x\"", "1"],
            _ => ["\"x\"", "1", "[]"],
        };
        return [.. wrongType, JsonSerializer.Serialize(new string('z', 900_000)), "null"];
    }

    /// <summary>The properties of a JSON request body (following a $ref into the components), with their types.</summary>
    private static IEnumerable<(string Name, string? Type)> BodyProperties(JsonElement? requestBody, JsonElement document)
    {
        if (requestBody is not { } body
            || !body.TryGetProperty("content", out var content)
            || !content.TryGetProperty("application/json", out var json)
            || !json.TryGetProperty("schema", out var schema))
        {
            return [];
        }

        var resolved = Resolve(schema, document);
        return resolved.TryGetProperty("properties", out var properties)
            ? properties.EnumerateObject().Select(p => (p.Name, TypeOf(Resolve(p.Value, document)))).ToList()
            : [];
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement document)
    {
        if (!schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }

        var target = document;
        foreach (var segment in reference.GetString()!.TrimStart('#', '/').Split('/'))
        {
            target = target.GetProperty(segment);
        }

        return target;
    }

    private static string? TypeOf(JsonElement schema) => schema.TryGetProperty("type", out var type)
        ? type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null")
            : type.GetString()
        : null;

    private static async Task<string?> SendAsync(HttpClient client, Uri baseAddress, WalkRequest request, CancellationToken cancellationToken)
    {
        var what = $"{request.Operation} with {request.What}";
        using var message = new HttpRequestMessage(new HttpMethod(request.Operation.Method), new Uri(baseAddress, request.Path));
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }

            // Kiln may answer an over-size body from its Content-Length and close; without waiting for 100 Continue the
            // client would still be writing it and see a broken pipe instead of the answer.
            message.Headers.ExpectContinue = true;
        }

        // Headers only: an operation that streams (events) or serves a file answers 200 and is not read.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var status = (int)response.StatusCode;
        if (status < 400)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        if (status >= 500 && response.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            return $"  {what}: {status} {Shorten(text, 300)}";
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"  {what}: {status} as {response.Content.Headers.ContentType?.ToString() ?? "no Content-Type"}, not a ProblemDetails: {Shorten(text, 200)}";
        }

        using var problem = JsonDocument.Parse(text);
        var root = problem.RootElement;
        return root.TryGetProperty("title", out var title) && !string.IsNullOrWhiteSpace(title.GetString())
            && root.TryGetProperty("detail", out var detail) && !string.IsNullOrWhiteSpace(detail.GetString())
            && root.TryGetProperty("status", out var declared) && declared.GetInt32() == status
                ? null
                : $"  {what}: {status} ProblemDetails without a title, a detail or its status: {Shorten(text, 200)}";
    }

    private static string Shorten(string text, int length = 40) =>
        text.Length <= length ? text : $"{text[..length]}…({text.Length} chars)";
}
