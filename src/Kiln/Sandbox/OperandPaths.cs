namespace Kiln.Sandbox;

/// <summary>Operands that name files, checked against the project's paths for the use the program makes of them.</summary>
internal static class OperandPaths
{
    public static string? Check(IReadOnlyList<string> operands, ProjectPaths paths, PathUse use)
    {
        foreach (var operand in operands)
        {
            // "-" is standard input or output, not a file.
            if (operand != "-" && paths.Check(operand, use) is { } error)
            {
                return error;
            }
        }

        return null;
    }
}
