namespace Kiln.Fleet;

/// <summary>An instance as the leases name it: its id and the internal address its projects are forwarded to.</summary>
public sealed record FleetInstance(string Id, Uri Url)
{
    /// <summary>The lease's value: <c>{id} {url}</c>, compared whole when renewing, so a restarted instance with the same id but another address is someone else.</summary>
    public string LeaseValue => $"{Id} {Url.GetLeftPart(UriPartial.Authority)}";

    public static FleetInstance? FromLeaseValue(string? value) =>
        value?.Split(' ', 2) is [var id, var url] && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? new FleetInstance(id, uri) : null;
}
