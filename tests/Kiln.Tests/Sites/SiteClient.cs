using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Sites;

/// <summary>A project's published site over real HTTP, as a browser reaches <c>s-{id}.localhost</c>, and the API that publishes it.</summary>
public sealed class SiteClient : IDisposable
{
    private readonly KilnApp _kiln;
    private readonly string _projectId;

    // No automatic decompression: the test reads the Content-Encoding Kiln chose.
    private readonly HttpClient _site = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, UseCookies = false });
    private readonly HttpClient _api;

    public SiteClient(KilnApp kiln, string projectId)
    {
        _kiln = kiln;
        _projectId = projectId;
        _api = kiln.Client();
    }

    public string Host => $"s-{_projectId}.localhost:{_kiln.BaseAddress.Port}";

    /// <summary>GETs a path of the site; <paramref name="page"/> sends what a browser's navigation sends.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, bool page = false, string? acceptEncoding = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(_kiln.BaseAddress, path));
        request.Headers.Host = Host;
        if (page)
        {
            request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        }

        if (acceptEncoding is not null)
        {
            request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        }

        return await _site.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<string> TextAsync(string path, bool page = false)
    {
        using var response = await GetAsync(path, page);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} on the site answered {(int)response.StatusCode}: {body}");
        return body;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PublishAsync()
    {
        using var response = await _api.PostAsync($"/api/projects/{_projectId}/publish", null, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken));
    }

    public async Task<JsonElement> PublishedAsync()
    {
        var (status, body) = await PublishAsync();
        Assert.True(status == HttpStatusCode.Created, $"POST publish answered {(int)status}: {body}");
        return body;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> ActivateAsync(int release)
    {
        using var response = await _api.PostAsync($"/api/projects/{_projectId}/releases/{release}/activate", null, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken));
    }

    public async Task<HttpStatusCode> TakeDownAsync()
    {
        using var response = await _api.DeleteAsync($"/api/projects/{_projectId}/publish", TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    public Task<JsonElement> ReleasesAsync() =>
        _api.GetFromJsonAsync<JsonElement>($"/api/projects/{_projectId}/releases", TestContext.Current.CancellationToken);

    public void Dispose()
    {
        _site.Dispose();
        _api.Dispose();
    }
}
