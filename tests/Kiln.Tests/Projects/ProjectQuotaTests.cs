using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Projects;

/// <summary>
/// <c>Kiln:Quotas:MaxProjects</c>: a new project past it is a 409 that says the limit and what to do, and leaves
/// nothing behind; follow-ups to existing projects still run; a deleted project frees its place.
/// </summary>
public sealed class ProjectQuotaTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_project_past_the_limit_is_refused_with_what_to_do_and_follow_ups_still_run()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Quotas:MaxProjects"] = "2" });
        var first = await kiln.GenerateAsync("a counter", cancellationToken: Ct);
        var second = await kiln.GenerateAsync("a todo list", cancellationToken: Ct);
        await kiln.WaitForStatusAsync(first, Timeout, "ready");
        await kiln.WaitForStatusAsync(second, Timeout, "ready");

        using var client = kiln.Client();
        using (var refused = await client.PostAsJsonAsync("/api/generate", new { prompt = "one too many" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString();
            Assert.Contains("Kiln:Quotas:MaxProjects", detail, StringComparison.Ordinal);
            Assert.Contains("2 projects", detail, StringComparison.Ordinal);
            Assert.Contains("DELETE /api/projects/{id}", detail, StringComparison.Ordinal);
        }

        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/api/projects", Ct)).GetArrayLength());
        // The refused prompt made no directory.
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), ProjectDirectories(kiln).Order(StringComparer.Ordinal));

        await kiln.GenerateAsync("make it blue", first, Ct);
        await kiln.WaitForStatusAsync(first, Timeout, "ready");

        using (var deleted = await client.DeleteAsync($"/api/projects/{second}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await kiln.GenerateAsync("now there is room", cancellationToken: Ct);
    }

    [Fact]
    public async Task Prompts_sent_all_at_once_never_make_more_projects_than_the_limit()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Quotas:MaxProjects"] = "3" });
        using var client = kiln.Client();

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = $"app {i}" }, Ct);
            return response.StatusCode;
        }));

        Assert.Equal(3, answers.Count(status => status == HttpStatusCode.Accepted));
        Assert.Equal(9, answers.Count(status => status == HttpStatusCode.Conflict));
        Assert.Equal(3, await kiln.Services.GetRequiredService<IProjectStore>().CountAsync(Ct));
        Assert.Equal(3, ProjectDirectories(kiln).Count);
    }

    private static List<string> ProjectDirectories(KilnApp kiln) =>
        [.. Directory.GetDirectories(kiln.ProjectsRoot).Select(Path.GetFileName).OfType<string>().Where(ProjectIds.IsValid)];
}
