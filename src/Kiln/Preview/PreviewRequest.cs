namespace Kiln.Preview;

/// <summary>What a request to a preview origin is for, as the parts that answer it tell apart.</summary>
internal static class PreviewRequest
{
    /// <summary>A browser loading a page (a person opening or reloading the preview), not an asset, a fetch or an HMR ping.</summary>
    public static bool IsPageLoad(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
