using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Kiln.Api;

/// <summary>
/// A ProblemDetails answer whose status is part of its type. A handler's <c>Results&lt;...&gt;</c> union then names
/// every error it can answer, the compiler holds the handler to it, and the OpenAPI document declares each one: a bare
/// <see cref="ProblemHttpResult"/> carries no status, so an endpoint returning it declares no error at all.
/// </summary>
public abstract class TypedProblem : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>, IContentTypeHttpResult
{
    private readonly ProblemHttpResult _problem;

    private protected TypedProblem(int statusCode, string title, string detail) =>
        _problem = TypedResults.Problem(title: title, detail: detail, statusCode: statusCode);

    public ProblemDetails ProblemDetails => _problem.ProblemDetails;

    public int StatusCode => _problem.StatusCode;

    int? IStatusCodeHttpResult.StatusCode => _problem.StatusCode;

    object? IValueHttpResult.Value => _problem.ProblemDetails;

    ProblemDetails? IValueHttpResult<ProblemDetails>.Value => _problem.ProblemDetails;

    string? IContentTypeHttpResult.ContentType => _problem.ContentType;

    public Task ExecuteAsync(HttpContext httpContext) => _problem.ExecuteAsync(httpContext);

    private protected static void Declare(EndpointBuilder builder, int statusCode) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(statusCode, typeof(ProblemDetails), ["application/problem+json"]));
}

/// <summary>400: the request names something in a form Kiln cannot read (a path, a version, a seq).</summary>
public sealed class BadRequestProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status400BadRequest, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status400BadRequest);
}

/// <summary>
/// 403: the request came from a page Kiln does not take orders from (another origin, another site, a preview), or a
/// server Kiln went to for it (a git remote) refused the credential Kiln passed on. Never 401, which is about Kiln's own token.
/// </summary>
public sealed class ForbiddenProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status403Forbidden, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status403Forbidden);
}

/// <summary>404: the project, file or version does not exist.</summary>
public sealed class NotFoundProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status404NotFound, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status404NotFound);
}

/// <summary>412: a conditional request's precondition failed (a file changed since the client read it).</summary>
public sealed class PreconditionFailedProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status412PreconditionFailed, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status412PreconditionFailed);
}

/// <summary>413: the request's content is bigger than Kiln takes (a file past its size limit).</summary>
public sealed class PayloadTooLargeProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status413PayloadTooLarge, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status413PayloadTooLarge);
}

/// <summary>409: the project's state does not allow it now (a generation is running, or none is).</summary>
public sealed class ConflictProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status409Conflict, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status409Conflict);
}

/// <summary>422: the request is well formed but there is nothing to do (no error to fix).</summary>
public sealed class UnprocessableProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status422UnprocessableEntity, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status422UnprocessableEntity);
}

/// <summary>503: something Kiln relies on (git, the sandbox) is not working, or the instance is stopping.</summary>
public sealed class ServiceUnavailableProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status503ServiceUnavailable, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status503ServiceUnavailable);
}

/// <summary>502: a server Kiln went to for the request (a git remote) could not be reached, or failed in a way Kiln cannot place.</summary>
public sealed class BadGatewayProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status502BadGateway, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status502BadGateway);
}

/// <summary>401: the request lacks a credential the endpoint needs, or presents one that is not valid there.</summary>
public sealed class UnauthorizedProblem(string title, string detail)
    : TypedProblem(StatusCodes.Status401Unauthorized, title, detail), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Declare(builder, StatusCodes.Status401Unauthorized);
}
