namespace Kiln.Events;

/// <summary>A subscriber fell further behind than its buffer allows; it should reconnect with <c>after=LastSeq</c>.</summary>
public sealed class EventStreamOverflowException(long lastDeliveredSeq)
    : Exception($"The client fell behind the event stream; reconnect with after={lastDeliveredSeq} to resume.")
{
    public long LastDeliveredSeq { get; } = lastDeliveredSeq;
}
