using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Operations;

/// <summary>Kiln's log as an operator reads it: with the json formatter, one JSON object a line, a generation's lines tagged with its project.</summary>
public sealed class LoggingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task With_the_json_formatter_every_line_is_json_and_a_generations_lines_carry_its_project_id()
    {
        var root = TempDirectory.Create("kiln-json-log");
        try
        {
            await using var kiln = await KilnProcess.StartAsync(typeof(Program).Assembly.Location, new Dictionary<string, string>
            {
                ["Logging:Console:FormatterName"] = "json",
                ["Logging:LogLevel:Default"] = "Information",
                ["Kiln:ProjectsRoot"] = root,
                ["Kiln:Agent:Runtime"] = "builtin",
                ["Kiln:Agent:Offline:AppStack"] = "static",
            }, TestContext.Current.CancellationToken);
            using var client = new HttpClient { BaseAddress = kiln.BaseAddress, Timeout = Timeout };

            using var posted = await client.PostAsJsonAsync("/api/generate", new { prompt = "a counter for push-ups" }, TestContext.Current.CancellationToken);
            var projectId = (await posted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("projectId").GetString()!;
            var lines = await WaitForLineAsync(kiln, "Generation completed");

            var entries = lines.Select(line => (Line: line, Json: Parse(line, kiln.Output))).ToList();
            Assert.All(entries, entry => Assert.Equal(JsonValueKind.Object, entry.Json.ValueKind));
            Assert.All(entries, entry =>
            {
                Assert.True(entry.Json.TryGetProperty("LogLevel", out _), entry.Line);
                Assert.True(entry.Json.TryGetProperty("Category", out _), entry.Line);
                Assert.True(entry.Json.TryGetProperty("Message", out _), entry.Line);
                // A full UTC time a log pipeline can sort by, not the console's "HH:mm:ss ".
                Assert.True(entry.Json.TryGetProperty("Timestamp", out var at), entry.Line);
                Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", at.GetString());
            });

            // From the generation's start to its end, every line Kiln itself writes (runner, tools, versions) is the project's.
            var start = entries.FindIndex(entry => Message(entry.Json).StartsWith("Generation started", StringComparison.Ordinal));
            var end = entries.FindIndex(entry => Message(entry.Json).StartsWith("Generation completed", StringComparison.Ordinal));
            Assert.True(start >= 0 && end > start, kiln.Output);
            var generation = entries[start..(end + 1)].Where(entry => Category(entry.Json).StartsWith("Kiln.", StringComparison.Ordinal)).ToList();
            Assert.True(generation.Count >= 2, kiln.Output);
            Assert.All(generation, entry => Assert.True(ProjectIdOf(entry.Json) == projectId, $"This line of the generation does not carry ProjectId {projectId}:\n{entry.Line}"));
            // And nothing else claims the project.
            Assert.All(entries.Where(entry => ProjectIdOf(entry.Json) is { } other), entry => Assert.Equal(projectId, ProjectIdOf(entry.Json)));
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    /// <summary>Kiln's output lines once one of them contains <paramref name="text"/>.</summary>
    private static async Task<List<string>> WaitForLineAsync(KilnProcess kiln, string text)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (!kiln.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(kiln.HasExited, kiln.Output);
            await Task.Delay(50, deadline.Token);
        }

        return [.. kiln.Output.Split('\n').Where(line => line.Length > 0)];
    }

    private static JsonElement Parse(string line, string output)
    {
        try
        {
            return JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException exception)
        {
            Assert.Fail($"Not a JSON line ({exception.Message}): {line}\nThe whole output:\n{output}");
            throw;
        }
    }

    private static string Message(JsonElement entry) => entry.TryGetProperty("Message", out var message) ? message.GetString() ?? "" : "";

    private static string Category(JsonElement entry) => entry.TryGetProperty("Category", out var category) ? category.GetString() ?? "" : "";

    private static string? ProjectIdOf(JsonElement entry) =>
        entry.TryGetProperty("Scopes", out var scopes) && scopes.ValueKind == JsonValueKind.Array
            ? scopes.EnumerateArray()
                .Where(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("ProjectId", out _))
                .Select(scope => scope.GetProperty("ProjectId").GetString())
                .FirstOrDefault()
            : null;
}
