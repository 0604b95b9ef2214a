using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kiln.Api;

/// <summary>
/// What the OpenAPI document says about itself: its title and purpose, its tags with what each groups, and the
/// server it was read from.
/// </summary>
public sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Kiln";
        document.Info.Description =
            "Turns a prompt into a running web app: POST /api/generate, follow the generation on the project's events, " +
            "open its preview. Every error is a ProblemDetails (application/problem+json) with a sentence a person can act on.";

        // The framework names the server by the request's base URL, which ends in '/'; every path begins with one, so a
        // client that joins the two would ask for '//api/...'.
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Tags = new HashSet<OpenApiTag>(ApiTags.All.Select(tag => new OpenApiTag { Name = tag.Name, Description = tag.Description }));
        return Task.CompletedTask;
    }
}
