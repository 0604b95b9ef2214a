using Xunit.v3;

namespace Kiln.Testing;

/// <summary>
/// A test class or method that takes over about ten seconds (a scaffold, an install, a Vite dev server, a shutdown, a
/// fleet, the real claude CLI, a browser): <c>scripts/test.sh --fast</c> leaves it out; the full run, CI's, keeps it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class SlowAttribute : Attribute, ITraitAttribute
{
    /// <summary>The trait's name and value: <c>--filter-not-trait "Category=Slow"</c> leaves slow tests out.</summary>
    public const string TraitName = "Category";

    public const string TraitValue = "Slow";

    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(TraitName, TraitValue)];
}

