using Kiln.Agents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Api;

/// <summary>The models usable now, with what each can do, and the one a prompt that names none gets.</summary>
public sealed record ModelsResponse(IReadOnlyList<ModelInfo> Models, string Default);

public static class ModelListEndpoints
{
    public static RouteGroupBuilder MapModels(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").WithTags(ApiTags.Generate);
        group.MapGet("/models", ListAsync)
            .WithName("ListModels")
            .WithSummary("The models usable now: the offline model, the configured providers' models, Ollama's installed ones")
            .WithDescription("Each with whether it can call tools (a model that cannot is refused by POST /api/generate) and see images. " +
                "Send an id as 'model' in POST /api/generate.");
        return group;
    }

    private static async Task<Ok<ModelsResponse>> ListAsync(ModelCatalog catalog, ModelEndpointResolver resolver, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ModelsResponse(await catalog.ListAsync(cancellationToken), resolver.DefaultModel));
}
