using System.Text.Json;
using Kiln.Api;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sites;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>
/// The middleware that sends a request to its project's owner: every request to a preview or site origin, and API
/// requests whose endpoint says <see cref="ProjectOwnerRequired"/>, including a prompt for a new project, which goes
/// where the project is placed. What the shared store holds (projects,
/// status, events) is answered by whichever instance the request reached.
/// </summary>
public sealed class OwnerForwarding(
    ProjectOwnership ownership, OwnerForwarder forwarder, PreviewOrigin origin, SiteOrigin sites, ThisInstance self)
{
    /// <summary>Names the instance that served a request (the owner's name wins when it was forwarded), for whoever debugs a fleet.</summary>
    public const string InstanceHeader = "Kiln-Instance";

    /// <summary>
    /// First in the pipeline: stamps the response with this instance's name, and sends a preview host's request to
    /// its project's owner, whose dev server it is, and a site host's, whose disk holds the releases (each instance has its own).
    /// </summary>
    public async Task PreviewAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(static state =>
        {
            var (response, id) = ((HttpResponse, string))state;
            response.Headers.TryAdd(InstanceHeader, id);
            return Task.CompletedTask;
        }, (context.Response, self.Id));

        if ((origin.IsPreviewHost(context.Request.Host, out var projectId) || sites.IsSiteHost(context.Request.Host, out projectId))
            && ProjectIds.IsValid(projectId))
        {
            await RouteAsync(context, projectId, next);
            return;
        }

        await next(context);
    }

    /// <summary>After routing and authorization: an endpoint that needs the owner runs there.</summary>
    public async Task ApiAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ProjectOwnerRequired>() is not { } required)
        {
            await next(context);
            return;
        }

        var projectId = required.InBody
            ? await ProjectIdInBodyAsync(context.Request)
            : context.GetRouteValue("projectId") as string;
        if (projectId is null && required.InBody)
        {
            await PlaceNewAsync(context, next);
            return;
        }

        if (projectId is null || !ProjectIds.IsValid(projectId))
        {
            // Malformed: the endpoint itself answers.
            await next(context);
            return;
        }

        await RouteAsync(context, projectId, next);
    }

    private async Task RouteAsync(HttpContext context, string projectId, RequestDelegate next)
    {
        OwnerLookup lookup;
        try
        {
            lookup = await ownership.FindAsync(projectId, OwnerForwarder.WasForwarded(context.Request), context.RequestAborted);
        }
        catch (RedisException exception)
        {
            lookup = new OwnerLookup.Unavailable($"Kiln cannot reach Redis to find the project's owner: {exception.Message}");
        }

        switch (lookup)
        {
            case OwnerLookup.Here:
                await next(context);
                break;
            case OwnerLookup.Elsewhere(var owner):
                await forwarder.ForwardAsync(context, owner);
                break;
            case OwnerLookup.Unavailable(var reason):
                context.Response.Headers.RetryAfter = "1";
                await Results.Problem(title: "The project is not available right now", detail: reason, statusCode: StatusCodes.Status503ServiceUnavailable)
                    .ExecuteAsync(context);
                break;
        }
    }

    /// <summary>A new project: served where its grain was placed (by load), this instance or another.</summary>
    private async Task PlaceNewAsync(HttpContext context, RequestDelegate next)
    {
        NewProjectPlacement? placement;
        try
        {
            placement = await ownership.PlaceNewAsync(context.Request, context.RequestAborted);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException or RedisException)
        {
            context.Response.Headers.RetryAfter = "1";
            await Results.Problem(
                title: "No Kiln instance can take a new project right now",
                detail: $"Placing the new project in the fleet failed ({exception.Message}). Try again in a moment.",
                statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
            return;
        }

        switch (placement)
        {
            case null:
                await next(context);
                break;
            case NewProjectPlacement.Here(var projectId):
                await ownership.WithNewProjectAsync(projectId, () => next(context));
                break;
            case NewProjectPlacement.Elsewhere(var projectId, var owner):
                context.Request.Headers[ProjectOwnership.NewProjectHeader] = projectId;
                await forwarder.ForwardAsync(context, owner);
                break;
        }
    }

    /// <summary>The body's <c>projectId</c>, read from a buffered copy that the endpoint (or the owner) reads again.</summary>
    private static async Task<string?> ProjectIdInBodyAsync(HttpRequest request)
    {
        if (request.HasFormContentType)
        {
            // A prompt with attachments: the form is read once (files beyond 64 KiB spill to disk, the endpoint's own
            // size limit still applies), kept for the endpoint, and the raw body rewound for forwarding.
            request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: long.MaxValue);
            try
            {
                var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
                return form.TryGetValue("projectId", out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;
            }
            catch (Exception exception) when (exception is InvalidDataException or IOException)
            {
                return null; // Malformed or cut short: the endpoint reads it again and says what is wrong.
            }
            finally
            {
                request.Body.Position = 0;
            }
        }

        if (request.HasJsonContentType() is false)
        {
            return null;
        }

        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: ApiServiceCollectionExtensions.MaxRequestBodyBytes);
        try
        {
            var body = await JsonSerializer.DeserializeAsync<GenerateRequest>(request.Body, JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
            return body?.ProjectId;
        }
        catch (JsonException)
        {
            return null; // The endpoint reads it again and says what is wrong.
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}
