using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Projects;

/// <summary>
/// A project's variables and secrets over the API: variables read and written whole, secrets set one by one and listed
/// by name only, and every name or value Kiln refuses answered with a 4xx ProblemDetails that says why.
/// </summary>
public sealed class EnvironmentApiTests(EnvironmentApiTests.SharedKiln shared) : IClassFixture<EnvironmentApiTests.SharedKiln>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>One Kiln for the class; each test makes projects of its own.</summary>
    public sealed class SharedKiln : IAsyncDisposable
    {
        public KilnApp Kiln { get; } = KilnApp.Start();

        public ValueTask DisposeAsync() => Kiln.DisposeAsync();
    }

    [Fact]
    public async Task Variables_are_replaced_whole_and_secrets_are_listed_by_name_only()
    {
        var kiln = shared.Kiln;
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();

        Assert.Equal("{}", await client.GetStringAsync($"/api/projects/{projectId}/env", Token));
        using (var put = await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { ["VITE_API_URL"] = "https://api.example.com", ["LOG_LEVEL"] = "debug" }, Token))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var put = await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { ["VITE_API_URL"] = "https://api2.example.com" }, Token))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var variables = await client.GetFromJsonAsync<Dictionary<string, string>>($"/api/projects/{projectId}/env", Token);
        Assert.Equal(new Dictionary<string, string> { ["VITE_API_URL"] = "https://api2.example.com" }, variables);

        const string value = "sk_live_0123456789abcdef";
        using (var put = await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/STRIPE_SECRET_KEY", new { value }, Token))
        {
            var body = await put.Content.ReadAsStringAsync(Token);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.DoesNotContain(value, body, StringComparison.Ordinal);
            Assert.Equal("STRIPE_SECRET_KEY", JsonDocument.Parse(body).RootElement.GetProperty("name").GetString());
        }

        var listed = await client.GetStringAsync($"/api/projects/{projectId}/secrets", Token);
        Assert.DoesNotContain(value, listed, StringComparison.Ordinal);
        var secret = Assert.Single(JsonDocument.Parse(listed).RootElement.EnumerateArray());
        Assert.Equal("STRIPE_SECRET_KEY", secret.GetProperty("name").GetString());
        Assert.True(secret.TryGetProperty("setAt", out _));
        Assert.DoesNotContain(value, await client.GetStringAsync($"/api/projects/{projectId}", Token), StringComparison.Ordinal);

        // A name is a variable or a secret, never both.
        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { ["STRIPE_SECRET_KEY"] = "x" }, Token),
            HttpStatusCode.Conflict, "already a secret");
        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/VITE_API_URL", new { value = "0123456789" }, Token),
            HttpStatusCode.BadRequest, "browser");

        using (var delete = await client.DeleteAsync($"/api/projects/{projectId}/secrets/STRIPE_SECRET_KEY", Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal("[]", await client.GetStringAsync($"/api/projects/{projectId}/secrets", Token));
        await AssertProblemAsync(await client.DeleteAsync($"/api/projects/{projectId}/secrets/STRIPE_SECRET_KEY", Token), HttpStatusCode.NotFound, "no secret");
    }

    public static TheoryData<string, string> RefusedNames => new()
    {
        // name, what the answer says
        { "lower_case", "not a valid name" },
        { "1STARTS_WITH_DIGIT", "not a valid name" },
        { "HAS-DASH", "not a valid name" },
        { new string('A', 129), "not a valid name" },
        { "PATH", "Kiln sets it" },
        { "HOME", "Kiln sets it" },
        { "NODE_OPTIONS", "what code a program loads" },
        { "LD_PRELOAD", "what code a program loads" },
        { "HTTPS_PROXY", "network traffic" },
        { "NPM_CONFIG_REGISTRY", "package manager" },
        { "KILN_ANYTHING", "Kiln's own settings" },
        { "PORT", "dev server" },
    };

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public async Task A_name_Kiln_refuses_is_a_400_that_says_why_for_a_variable_and_a_secret(string name, string why)
    {
        var kiln = shared.Kiln;
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();

        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { [name] = "value" }, Token),
            HttpStatusCode.BadRequest, why);
        // A name that cannot be a route segment as it is is escaped; the answer is the same.
        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/{Uri.EscapeDataString(name)}", new { value = "a long enough value" }, Token),
            HttpStatusCode.BadRequest, why);
        Assert.Equal("{}", await client.GetStringAsync($"/api/projects/{projectId}/env", Token));
    }

    [Theory]
    [InlineData("VITE_STRIPE_KEY", "VITE_")]
    [InlineData("NEXT_PUBLIC_TOKEN", "NEXT_PUBLIC_")]
    [InlineData("REACT_APP_KEY", "REACT_APP_")]
    public async Task A_secret_the_bundler_would_ship_to_the_browser_is_refused_and_the_answer_says_to_use_a_variable(string name, string prefix)
    {
        var kiln = shared.Kiln;
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();

        var problem = await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/{name}", new { value = "0123456789abcdef" }, Token),
            HttpStatusCode.BadRequest, "browser");
        Assert.Contains(prefix, problem, StringComparison.Ordinal);
        Assert.Contains("environment variable", problem, StringComparison.Ordinal);
        Assert.Equal("[]", await client.GetStringAsync($"/api/projects/{projectId}/secrets", Token));
    }

    [Fact]
    public async Task Values_out_of_bounds_and_unknown_projects_get_a_problem_not_a_500()
    {
        var kiln = shared.Kiln;
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();

        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/SHORT", new { value = "1234" }, Token), HttpStatusCode.BadRequest, "at least 8");
        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/NO_VALUE", new { }, Token), HttpStatusCode.BadRequest, "no value");
        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { ["BIG"] = new('x', 33 * 1024) }, Token),
            HttpStatusCode.BadRequest, "larger than 32 KiB");
        await AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string?> { ["NULL_VALUE"] = null }, Token),
            HttpStatusCode.BadRequest, "no value");
        using (var wrongShape = new StringContent("[1,2]", Encoding.UTF8, "application/json"))
        {
            using var response = await client.PutAsync($"/api/projects/{projectId}/env", wrongShape, Token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        await AssertProblemAsync(await client.GetAsync("/api/projects/aaaaaaaaaaaa/env", Token), HttpStatusCode.NotFound, "no project");
        await AssertProblemAsync(
            await client.PutAsJsonAsync("/api/projects/aaaaaaaaaaaa/secrets/SOME_KEY", new { value = "0123456789" }, Token), HttpStatusCode.NotFound, "no project");
    }

    /// <summary>Asserts a ProblemDetails with <paramref name="status"/> whose detail says <paramref name="says"/>; returns the detail.</summary>
    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string says)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Token);
            Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
            Assert.Contains(says, detail, StringComparison.Ordinal);
            return detail;
        }
    }
}
