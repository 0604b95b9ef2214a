using System.ComponentModel.DataAnnotations;

namespace Kiln.Offline;

/// <summary>What the offline model builds an app with.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A technology stack, not a collection.")]
public enum OfflineAppStack
{
    /// <summary>Vite + React + TypeScript when node and pnpm run in Kiln's sandbox here, a static app otherwise.</summary>
    Auto,

    /// <summary>Vite + React + TypeScript, falling back to a static app when scaffolding or installing fails.</summary>
    Vite,

    /// <summary>Plain HTML, CSS and JavaScript, which needs no tooling at all.</summary>
    Static,
}

/// <summary>How Kiln's built-in offline model behaves. Bound from <c>Kiln:Agent:Offline</c>.</summary>
public sealed class OfflineModelOptions
{
    public const string Section = "Kiln:Agent:Offline";

    [EnumDataType(typeof(OfflineAppStack))]
    public OfflineAppStack AppStack { get; set; } = OfflineAppStack.Auto;
}
