namespace Kiln.Offline;

/// <summary>The kinds of app the offline model knows how to build.</summary>
public enum OfflineAppKind
{
    Todo,
    Counter,
    Notes,
    Calculator,
    Landing,
    Timer,

    /// <summary>Anything else: a searchable collection of entries about the prompt's subject.</summary>
    Default,
}
