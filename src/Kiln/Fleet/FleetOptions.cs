using System.ComponentModel.DataAnnotations;

namespace Kiln.Fleet;

/// <summary>
/// How this instance takes part in a fleet (DESIGN.md section 10). Bound from <c>Kiln:Fleet</c>; used only
/// with <c>Kiln:Store=redis</c>, where several instances share one store.
/// </summary>
public sealed class FleetOptions : IValidatableObject
{
    public const string Section = "Kiln:Fleet";

    /// <summary>
    /// The address the other instances reach this one at (not nginx's), e.g. <c>http://10.0.0.11:5300</c>.
    /// Default: the first http address Kestrel listens on, which must then be a concrete host, not 0.0.0.0.
    /// </summary>
    public Uri? InstanceUrl { get; set; }

    /// <summary>This instance's name in the leases. Default: a new random one at each start.</summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string? InstanceId { get; set; }

    /// <summary>
    /// How long a project's lease lasts without renewal: after its owner dies, this is how long its
    /// generations stay <c>generating</c> before another instance marks them <c>interrupted</c>. Renewed every third of it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewInterval => LeaseDuration / 3;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InstanceUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || url.AbsolutePath != "/"))
        {
            yield return new ValidationResult(
                $"Kiln:Fleet:InstanceUrl '{url}' must be an http or https address with no path, e.g. http://10.0.0.11:5300.",
                [nameof(InstanceUrl)]);
        }
    }
}
