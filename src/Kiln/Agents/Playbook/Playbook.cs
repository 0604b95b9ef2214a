using System.Reflection;
using System.Text;

namespace Kiln.Agents;

/// <summary>
/// What every model Kiln runs is told (DESIGN.md section 2): the parts under <c>Agents/Playbook/*.md</c>, in the order
/// of their file names, as the system prompt. They never change while Kiln runs, so a provider can cache them; what
/// differs per prompt, the briefing about the app as it is (<see cref="AppBriefing"/>), goes with each prompt.
/// </summary>
public static class Playbook
{
    private const string ResourcePrefix = "Playbook/";

    /// <summary>The instructions that are the same for every prompt: role, stack, workflow, design, care.</summary>
    public static string Instructions { get; } = Load();

    private static string Load()
    {
        var assembly = typeof(Playbook).Assembly;
        var parts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => Read(assembly, name).Trim())
            .ToList();
        if (parts.Count == 0)
        {
            throw new InvalidOperationException("Kiln was built without its playbook (Agents/Playbook/*.md as embedded resources).");
        }

        return string.Join("\n\n", parts);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
