namespace Kiln.Testing;

/// <summary>One slow row of a theory whose other rows are quick (the claude-code runtime beside the built-in one).</summary>
public static class SlowTheoryDataRow
{
    public static TRow Slow<TRow>(this TRow row)
        where TRow : TheoryDataRowBase =>
        row.WithTrait(SlowAttribute.TraitName, SlowAttribute.TraitValue);
}
