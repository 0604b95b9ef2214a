using System.Globalization;
using Kiln.Api;

namespace Kiln.Operations;

public static class DrainFilter
{
    /// <summary>
    /// While Kiln drains, the endpoints answer 503 with <c>Retry-After</c> instead of starting work: a load balancer
    /// or a client sends it again, to another instance or to this one once it is back.
    /// </summary>
    public static TBuilder RefuseWhileDraining<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.RequestServices.GetRequiredService<InstanceDrain>().IsDraining)
            {
                context.HttpContext.Response.Headers.RetryAfter = ((int)InstanceDrain.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                return Problems.ShuttingDown(InstanceDrain.RetryAfter);
            }

            return await next(context);
        });
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        return builder;
    }
}
