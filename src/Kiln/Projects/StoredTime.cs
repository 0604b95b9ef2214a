using System.Globalization;

namespace Kiln.Projects;

/// <summary>How a store writes an event's time: ISO 8601 in UTC with 100 ns precision, so text order is time order.</summary>
internal static class StoredTime
{
    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string at) =>
        DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
