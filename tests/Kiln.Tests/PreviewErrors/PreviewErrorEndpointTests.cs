using System.Net;
using System.Text;
using Kiln.Tests.Preview;

namespace Kiln.Tests.PreviewErrors;

/// <summary>
/// The preview origin's error endpoint and reporter, reached over HTTP as a browser reaches them: what it takes, what
/// it refuses, and how identical errors are counted instead of repeated.
/// </summary>
public sealed class PreviewErrorEndpointTests : IAsyncLifetime
{
    private PreviewHarness _preview = null!;
    private string _projectId = null!;

    public async ValueTask InitializeAsync()
    {
        _preview = PreviewHarness.Start();
        _projectId = await _preview.CreateProjectAsync();
        await ErrorReports.WriteStaticAppAsync(_preview.AppDirectory(_projectId), "throw new Error('boom');\n");
    }

    public async ValueTask DisposeAsync() => await _preview.DisposeAsync();

    [Fact]
    public async Task Pages_load_the_reporter_from_their_own_origin_and_other_files_are_untouched()
    {
        using var page = await _preview.GetAsync(_projectId, "/", pageLoad: true);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var script = await _preview.GetAsync(_projectId, "/__kiln/errors.js");
        using var appScript = await _preview.GetAsync(_projectId, "/app.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // Right after <head>, before anything of the app's, and only once.
        Assert.Contains("<head><script src=\"/__kiln/errors.js\"></script>", html, StringComparison.Ordinal);
        Assert.Single(html.Split("/__kiln/errors.js")[1..]);
        Assert.Equal(Encoding.UTF8.GetByteCount(html), page.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("unhandledrejection", await script.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal("throw new Error('boom');\n", await appScript.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_report_from_the_page_becomes_an_open_error_and_a_preview_error_event()
    {
        using var response = await ErrorReports.PostAsync(_preview, _projectId,
            ErrorReports.Error("TypeError: items.map is not a function", $"{_preview.UrlFor(_projectId)}app.js?t=123", 3, 9));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var open = Assert.Single(await ErrorReports.OpenAsync(_preview.Kiln, _projectId));
        Assert.Equal("runtime", open.GetProperty("source").GetString());
        Assert.Equal("TypeError: items.map is not a function", open.GetProperty("message").GetString());
        Assert.Equal("app.js", open.GetProperty("file").GetString());
        Assert.Equal(3, open.GetProperty("line").GetInt32());
        Assert.Equal(9, open.GetProperty("column").GetInt32());
        // The stack names the app's files by path, without the preview's origin or cache-busting queries.
        Assert.Contains("at run (/app.js:3:9)", open.GetProperty("stack").GetString(), StringComparison.Ordinal);
        var stored = Assert.Single(await ErrorReports.StoredAsync(_preview.Kiln, _projectId, "preview_error"));
        Assert.Equal(open.GetProperty("id").GetString(), stored.GetProperty("id").GetString());
        Assert.Equal(1, stored.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Identical_errors_are_counted_and_their_events_stay_few()
    {
        // A page throwing in a loop: its reporter sends the same error again and again, with how often it was seen.
        for (var i = 0; i < 8; i++)
        {
            using var response = await ErrorReports.PostAsync(_preview, _projectId, ErrorReports.Error("Error: tick failed", "app.js", 7, 1, count: 40));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var open = Assert.Single(await ErrorReports.OpenAsync(_preview.Kiln, _projectId));
        Assert.Equal(320, open.GetProperty("count").GetInt32());
        // One event when it was new (count 40), one when the count passed 100: none for every repeat.
        var events = await ErrorReports.StoredAsync(_preview.Kiln, _projectId, "preview_error");
        Assert.Equal(new[] { 40, 120 }, events.Select(e => e.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task The_endpoint_takes_only_small_JSON_posts_from_its_own_origin()
    {
        var url = new Uri(_preview.UrlFor(_projectId), "/__kiln/errors");
        var origin = _preview.UrlFor(_projectId).GetLeftPart(UriPartial.Authority);
        var body = System.Text.Json.JsonSerializer.Serialize(ErrorReports.Error("Error: refused"));

        using var get = await _preview.GetAsync(_projectId, "/__kiln/errors");
        using var text = await SendAsync(new StringContent(body, Encoding.UTF8, "text/plain"), origin);
        using var form = await SendAsync(new FormUrlEncodedContent([new("message", "Error: refused")]), origin);
        using var noOrigin = await SendAsync(Json(body), origin: null);
        using var otherPreview = await SendAsync(Json(body), $"http://p-{Kiln.Projects.ProjectIds.New()}.localhost:{_preview.Port}");
        using var apiOrigin = await SendAsync(Json(body), _preview.Kiln.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var crossSite = await SendAsync(Json(body), origin, request => request.Headers.Add("Sec-Fetch-Site", "cross-site"));
        using var large = await SendAsync(Json(new string(' ', 9000) + body), origin);
        using var chunked = await SendAsync(new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string(' ', 20_000) + body)))
        {
            Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") },
        }, origin, request => request.Headers.TransferEncodingChunked = true);
        using var notAReport = await SendAsync(Json("""{"errors": "everything"}"""), origin);
        using var otherPath = await _preview.GetAsync(_projectId, "/__kiln/anything");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal("POST", get.Content.Headers.Allow.Single());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherPreview.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, apiOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notAReport.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherPath.StatusCode);
        foreach (var refused in new[] { get, text, noOrigin, large, notAReport })
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty(await ErrorReports.OpenAsync(_preview.Kiln, _projectId));
        Assert.Empty(await ErrorReports.StoredAsync(_preview.Kiln, _projectId, "preview_error"));

        async Task<HttpResponseMessage> SendAsync(HttpContent content, string? origin, Action<HttpRequestMessage>? configure = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            if (origin is not null)
            {
                request.Headers.TryAddWithoutValidation("Origin", origin);
            }

            configure?.Invoke(request);
            return await _preview.Browser.SendAsync(request, TestContext.Current.CancellationToken);
        }

        static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
    }

    [Fact]
    public async Task The_api_origin_has_no_error_endpoint_and_the_preview_origin_no_api()
    {
        using var client = _preview.Kiln.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/__kiln/errors")
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(ErrorReports.Error("Error: from the API origin")), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Origin", _preview.Kiln.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var onApi = await client.SendAsync(request, TestContext.Current.CancellationToken);
        using var apiOnPreview = await _preview.GetAsync(_projectId, $"/api/projects/{_projectId}/errors");

        Assert.False(onApi.IsSuccessStatusCode, $"The API origin answered {(int)onApi.StatusCode} to an error report.");
        Assert.Equal(HttpStatusCode.NotFound, apiOnPreview.StatusCode);
        Assert.DoesNotContain("\"errors\"", await apiOnPreview.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(await ErrorReports.OpenAsync(_preview.Kiln, _projectId));
    }

    [Fact]
    public async Task A_flood_of_reports_is_rate_limited()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var response = await ErrorReports.PostAsync(_preview, _projectId, ErrorReports.Error($"Error: number {i}"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("1", response.Headers.RetryAfter?.ToString());
            }
        }

        // A burst of 10 is taken; 40 in a row cannot all be, however slow the machine (2 more a second).
        Assert.Equal(HttpStatusCode.NoContent, statuses[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        // Different errors beyond the cap are not kept, so a page cannot grow the list without end.
        Assert.True((await ErrorReports.OpenAsync(_preview.Kiln, _projectId)).Count <= global::Kiln.Preview.PreviewErrors.MaxOpenErrors);
    }
}
