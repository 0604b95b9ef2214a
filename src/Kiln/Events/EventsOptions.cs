using System.ComponentModel.DataAnnotations;

namespace Kiln.Events;

/// <summary>Bound from <c>Kiln:Events</c>.</summary>
public sealed class EventsOptions
{
    public const string Section = "Kiln:Events";

    /// <summary>
    /// Live events buffered per subscriber. A subscriber that falls this far behind is closed with a
    /// reason and resumes with <c>after</c>; it never slows the agent or other subscribers.
    /// </summary>
    [Range(16, 1_000_000)]
    public int SubscriberBuffer { get; set; } = 4096;
}
