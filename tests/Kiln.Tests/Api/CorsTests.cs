using System.Net;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

/// <summary>Kiln:Cors:Origins: a page on a listed origin may call the API from a browser; any other origin may not.</summary>
public sealed class CorsTests
{
    private const string Listed = "https://app.example.com";
    private const string Unlisted = "https://evil.example.net";

    private static KilnApp StartKiln() => KilnApp.Start(new Dictionary<string, string?>
    {
        ["Kiln:Cors:Origins:0"] = Listed,
        ["Kiln:Cors:Origins:1"] = "http://localhost:3000",
    });

    [Fact]
    public async Task A_preflight_from_a_listed_origin_is_allowed_and_from_another_origin_is_not()
    {
        await using var kiln = StartKiln();
        using var client = kiln.Client();

        using var allowed = await client.SendAsync(Preflight(Listed));
        Assert.True(allowed.IsSuccessStatusCode, $"The preflight answered {(int)allowed.StatusCode}.");
        Assert.Equal(Listed, Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(allowed, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Contains("content-type", Header(allowed, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);

        using var refused = await client.SendAsync(Preflight(Unlisted));
        Assert.Null(Header(refused, "Access-Control-Allow-Origin"));
        Assert.Null(Header(refused, "Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task A_simple_request_from_a_listed_origin_gets_allow_origin_and_from_another_origin_gets_none()
    {
        await using var kiln = StartKiln();
        using var client = kiln.Client();

        foreach (var origin in new[] { Listed, "http://localhost:3000" })
        {
            using var allowed = await client.SendAsync(Get("/api/projects", origin));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(origin, Header(allowed, "Access-Control-Allow-Origin"));
        }

        // The answer is the same to a server that asks; only a browser's page on that origin is kept from reading it.
        using var refused = await client.SendAsync(Get("/api/projects", Unlisted));
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Null(Header(refused, "Access-Control-Allow-Origin"));

        // Nothing listed, nothing allowed: the default is same origin only.
        await using var plain = KilnApp.Start();
        using var plainClient = plain.Client();
        using var none = await plainClient.SendAsync(Get("/api/projects", Listed));
        Assert.Null(Header(none, "Access-Control-Allow-Origin"));
        using var noPreflight = await plainClient.SendAsync(Preflight(Listed));
        Assert.Null(Header(noPreflight, "Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/generate");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return request;
    }

    private static HttpRequestMessage Get(string path, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
