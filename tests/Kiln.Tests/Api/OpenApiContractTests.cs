using System.Text.Json;
using Kiln.Tests.Infrastructure;
using Kiln.Testing;

namespace Kiln.Tests.Api;

/// <summary>
/// The OpenAPI document as a client generator reads it: linted by redocly with its recommended rules (and the
/// exceptions justified in <c>redocly.yaml</c> beside this file), and named the way generated clients depend on.
/// </summary>
public sealed class OpenApiContractTests
{
    private const string RedoclyInstallStep = "npm install -g @redocly/cli@2.77.0 (scripts/install.sh test does it)";

    /// <summary>Nothing leaves the machine: no usage report, no look-up of a newer version.</summary>
    private static readonly Dictionary<string, string?> QuietRedocly = new()
    {
        ["REDOCLY_TELEMETRY"] = "off",
        ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true",
    };

    [Fact]
    public async Task The_document_passes_redocly_lint_with_the_recommended_rules_without_an_error_or_a_warning()
    {
        var redocly = Requires.Find("redocly");
        if (redocly is null)
        {
            Requires.Unavailable($"redocly lints the OpenAPI document in this test and is not installed: {RedoclyInstallStep}.");
        }

        await using var kiln = KilnApp.Start();
        var directory = TempDirectory.Create("kiln-openapi");
        try
        {
            var document = Path.Combine(directory, "openapi.json");
            await File.WriteAllTextAsync(document, await ReadDocumentAsync(kiln), TestContext.Current.CancellationToken);

            var lint = await ExternalProgram.RunAsync(
                redocly,
                ["lint", "--config", Repository.PathOf("tests/Kiln.Tests/Api/redocly.yaml"), "--format=json", document],
                TimeSpan.FromMinutes(2),
                TestContext.Current.CancellationToken,
                directory,
                QuietRedocly);
            var (exitCode, output, errors) = (lint.ExitCode, lint.Output, lint.Errors);

            Assert.True(output.TrimStart().StartsWith('{'), $"redocly lint exited {exitCode} without a report: {errors}");
            using var report = JsonDocument.Parse(output);
            var totals = report.RootElement.GetProperty("totals");
            var problems = report.RootElement.GetProperty("problems").EnumerateArray()
                .Select(problem => $"  {problem.GetProperty("severity").GetString()} {problem.GetProperty("ruleId").GetString()} " +
                    $"at {problem.GetProperty("location")[0].GetProperty("pointer").GetString()}: {problem.GetProperty("message").GetString()}")
                .ToList();
            Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0,
                $"redocly lint found {problems.Count} problems in /openapi/v1.json:\n{string.Join('\n', problems)}");
            Assert.Equal(0, exitCode);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    [Fact]
    public async Task Every_operation_keeps_the_operationId_clients_are_generated_with_and_all_but_the_preview_page_need_the_token()
    {
        await using var kiln = KilnApp.Start();
        using var document = JsonDocument.Parse(await ReadDocumentAsync(kiln));

        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Path: path.Name, Method: operation.Name.ToUpperInvariant(), Operation: operation.Value)))
            .ToList();

        // A generated client's method names come from these: renaming one breaks every client built on the document.
        string[] expected =
        [
            "POST /api/generate Generate",
            "POST /api/import ImportApp",
            "GET /api/models ListModels",
            "GET /api/projects ListProjects",
            "GET /api/projects/{projectId} GetProject",
            "DELETE /api/projects/{projectId} DeleteProject",
            "GET /api/projects/{projectId}/status GetProjectStatus",
            "POST /api/projects/{projectId}/cancel CancelGeneration",
            "POST /api/projects/{projectId}/pin PinProject",
            "DELETE /api/projects/{projectId}/pin UnpinProject",
            "GET /api/projects/{projectId}/env GetEnvironmentVariables",
            "PUT /api/projects/{projectId}/env SetEnvironmentVariables",
            "GET /api/projects/{projectId}/secrets ListSecrets",
            "PUT /api/projects/{projectId}/secrets/{name} SetSecret",
            "DELETE /api/projects/{projectId}/secrets/{name} DeleteSecret",
            "GET /api/fleet GetFleet",
            "GET /api/projects/{projectId}/files ListFiles",
            "GET /api/projects/{projectId}/files/{path} GetFile",
            "PUT /api/projects/{projectId}/files/{path} WriteFile",
            "DELETE /api/projects/{projectId}/files/{path} DeleteFile",
            "GET /api/projects/{projectId}/download DownloadProject",
            "GET /api/projects/{projectId}/events StreamEvents",
            "GET /api/projects/{projectId}/preview GetPreviewPage",
            "GET /api/projects/{projectId}/mcp GetMcpConnection",
            "GET /api/projects/{projectId}/errors ListErrors",
            "POST /api/projects/{projectId}/fix FixErrors",
            "GET /api/projects/{projectId}/versions ListVersions",
            "GET /api/projects/{projectId}/versions/{version} GetVersion",
            "GET /api/projects/{projectId}/versions/{version}/diff GetVersionDiff",
            "GET /api/projects/{projectId}/versions/{version}/files/{path} GetVersionFile",
            "GET /api/projects/{projectId}/versions/{version}/screenshots ListVersionScreenshots",
            "GET /api/projects/{projectId}/versions/{version}/screenshot GetVersionScreenshot",
            "POST /api/projects/{projectId}/versions/{version}/restore RestoreVersion",
            "POST /api/projects/{projectId}/publish PublishProject",
            "DELETE /api/projects/{projectId}/publish UnpublishProject",
            "GET /api/projects/{projectId}/releases ListReleases",
            "POST /api/projects/{projectId}/releases/{release}/activate ActivateRelease",
            "POST /api/projects/{projectId}/git/push PushToGit",
            "GET /api/projects/{projectId}/git GetGitSettings",
            "DELETE /api/projects/{projectId}/git/token ForgetGitToken",
        ];
        Assert.Equal(
            expected.Order(StringComparer.Ordinal),
            operations.Select(o => $"{o.Method} {o.Path} {o.Operation.GetProperty("operationId").GetString()}").Order(StringComparer.Ordinal));

        var anonymous = operations
            .Where(o => o.Operation.GetProperty("security").EnumerateArray().All(requirement => !requirement.EnumerateObject().Any()))
            .Select(o => o.Operation.GetProperty("operationId").GetString());
        Assert.Equal(["GetPreviewPage"], anonymous);
        Assert.All(
            operations.Where(o => o.Operation.GetProperty("operationId").GetString() != "GetPreviewPage"),
            o => Assert.True(o.Operation.GetProperty("responses").TryGetProperty("401", out _), $"{o.Method} {o.Path} needs the token but declares no 401"));
    }

    private static async Task<string> ReadDocumentAsync(KilnApp kiln)
    {
        using var client = kiln.Client();
        return await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
    }
}
