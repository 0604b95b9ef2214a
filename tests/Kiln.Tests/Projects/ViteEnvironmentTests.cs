using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Kiln.Testing;
using Kiln.Tests.Preview;

namespace Kiln.Tests.Projects;

/// <summary>
/// A real Vite app's dev server, previewed through Kiln, gets the project's variables and secrets: a VITE_ variable
/// is in the module Vite serves, a change restarts the server with the new value, and a secret is in the server
/// process's environment but not in what it serves.
/// </summary>
[Slow]
public sealed class ViteEnvironmentTests(VitePreviewTests.ViteApp vite) : IClassFixture<VitePreviewTests.ViteApp>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_VITE_variable_reaches_the_app_and_a_change_or_a_secret_restarts_its_dev_server_with_it()
    {
        vite.Require();
        var preview = vite.Preview!;
        var projectId = vite.ProjectId!;
        var app = preview.AppDirectory(projectId);
        await File.WriteAllTextAsync(
            Path.Combine(app, "src", "env-probe.ts"), "export const greeting: string = import.meta.env.VITE_GREETING;\n", Token);
        using var client = preview.Kiln.Client();

        await PutVariablesAsync(client, projectId, "the first greeting");
        await preview.StartDevServerAsync(projectId);
        Assert.Contains("the first greeting", await ModuleAsync(preview, projectId), StringComparison.Ordinal);
        var first = PreviewHarness.ViteProcessIn(app);

        // The answer comes once the dev server has started again with the new value.
        await PutVariablesAsync(client, projectId, "the second greeting");
        var module = await ModuleAsync(preview, projectId);
        Assert.Contains("the second greeting", module, StringComparison.Ordinal);
        Assert.DoesNotContain("the first greeting", module, StringComparison.Ordinal);
        var second = PreviewHarness.ViteProcessIn(app);
        Assert.NotEqual(first, second);

        var secret = "postgres://app:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) + "@db.internal/app";
        using (var put = await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/DATABASE_URL", new { value = secret }, Token))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var third = PreviewHarness.ViteProcessIn(app);
        Assert.NotEqual(second, third);
        var environment = (await File.ReadAllTextAsync($"/proc/{third}/environ", Token)).Split('\0');
        Assert.Contains($"DATABASE_URL={secret}", environment);
        Assert.Contains("VITE_GREETING=the second greeting", environment);
        // Vite gives the browser VITE_ variables only.
        Assert.DoesNotContain(secret, await ModuleAsync(preview, projectId), StringComparison.Ordinal);
    }

    private static async Task PutVariablesAsync(HttpClient client, string projectId, string greeting)
    {
        using var put = await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { ["VITE_GREETING"] = greeting }, Token);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    private static async Task<string> ModuleAsync(PreviewHarness preview, string projectId)
    {
        using var response = await preview.GetAsync(projectId, "/src/env-probe.ts");
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /src/env-probe.ts answered {(int)response.StatusCode}: {body}");
        return body;
    }
}
