namespace Kiln.Tests.Architecture;

/// <summary>DESIGN.md section 8: a piece may use the pieces after it in the list, never one before it.</summary>
public sealed class DependencyDirectionTests
{
    /// <summary>The pieces in DESIGN.md's order; each may refer only to those after it.</summary>
    private static readonly string[] Order =
        ["Api", "Agents", "Offline", "Tools", "Browser", "Sites", "Versions", "Preview", "Events", "Projects", "Sandbox"];

    /// <summary>At the edge: registered by the composition root, referred to by nothing in the list.</summary>
    private static readonly string[] Edge = ["Fleet", "Operations"];

    [Fact]
    public void Every_reference_between_pieces_points_down_the_design()
    {
        var references = PieceDependencies.Read(typeof(Kiln.KilnServices).Assembly.Location);
        Assert.NotEmpty(references);
        var against = references.Where(r => !Allowed(r.FromPiece, r.ToPiece)).ToList();
        Assert.True(against.Count == 0,
            $"{against.Count} references point against DESIGN.md section 8:\n" +
            string.Join("\n", against.Select(r => $"  {r.FromPiece} → {r.ToPiece}: {r.FromType} uses {r.ToType}")));
    }

    [Fact]
    public void Every_folder_of_the_service_is_a_piece_of_the_design()
    {
        var references = PieceDependencies.Read(typeof(Kiln.KilnServices).Assembly.Location);
        var pieces = references.SelectMany(r => new[] { r.FromPiece, r.ToPiece }).Distinct();
        Assert.All(pieces, piece => Assert.True(piece == "Kiln" || Order.Contains(piece) || Edge.Contains(piece),
            $"'{piece}' is not a piece of DESIGN.md section 8"));
    }

    private static bool Allowed(string from, string to)
    {
        if (from == "Kiln")
        {
            return true; // the composition root registers every piece
        }

        if (to == "Kiln" || Edge.Contains(to))
        {
            return Edge.Contains(from) && to != "Kiln";
        }

        if (Edge.Contains(from))
        {
            return true;
        }

        var f = Array.IndexOf(Order, from);
        var t = Array.IndexOf(Order, to);
        return f >= 0 && t >= 0 && f < t;
    }
}
