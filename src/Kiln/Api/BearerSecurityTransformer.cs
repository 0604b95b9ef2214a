using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kiln.Api;

/// <summary>
/// Declares Kiln's token (<see cref="BearerTokenHandler"/>) in the OpenAPI document: the bearer scheme, and on every
/// operation whether it needs the token, with the 401 it answers without one. An anonymous operation (the preview
/// page) says it needs nothing, so a client generator sends no token there.
/// </summary>
public sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    private const string ProblemSchema = "ProblemDetails";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerTokenHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description =
                "The token Kiln was started with (Kiln:Auth:Token), as 'Authorization: Bearer <token>'; browsers' WebSockets " +
                "and EventSource may pass ?access_token=<token> instead. An instance started without a token, which listens " +
                "on loopback only, takes every request without one.",
        };
        return Task.CompletedTask;
    }

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any())
        {
            // An empty requirement: the operation needs no token, whatever the document's default.
            operation.Security = [new OpenApiSecurityRequirement()];
            return;
        }

        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerTokenHandler.SchemeName, context.Document)] = [] },
        ];

        if (context.Document?.Components?.Schemas?.ContainsKey(ProblemSchema) != true)
        {
            context.Document?.AddComponent(ProblemSchema, await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), null, cancellationToken));
        }

        operation.Responses ??= [];
        operation.Responses[StatusCodes.Status401Unauthorized.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
        {
            Description = "Kiln was started with a token and the request has none, or not that one.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
            },
        };
    }
}
