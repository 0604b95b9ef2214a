using System.Text;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>
/// The part of the per-prompt briefing that names the app's environment variables (with their values, which are not
/// secret) and its secrets (by name only: their values never reach the model), so the code it writes reads them from
/// the environment instead of hard-coding a value or asking for it.
/// </summary>
public static class EnvironmentBriefing
{
    /// <summary>Longest variable value shown; a longer one is cut.</summary>
    public const int MaxShownValue = 200;

    /// <summary>The section, or an empty string when the project has neither variables nor secrets.</summary>
    public static string Describe(Project project)
    {
        var view = ProjectEnvironment.View(project);
        if (view.Variables.Count == 0 && view.Secrets.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder("\n# Environment variables and secrets\n\n")
            .Append("The person set these for the app; Kiln gives them to the dev server, build_project and run_command. ")
            .Append("Read them from the environment in code, never copy a value into a file.\n");
        if (view.Variables.Count > 0)
        {
            text.Append("Variables:\n");
            foreach (var (name, value) in view.Variables.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var shown = value.Length > MaxShownValue ? value[..MaxShownValue] + "…" : value;
                text.Append("- ").Append(name).Append(" = ").Append(shown.ReplaceLineEndings(" ")).Append('\n');
            }
        }

        if (view.Secrets.Count > 0)
        {
            text.Append("Secrets (their values are hidden from you and from command output):\n");
            foreach (var secret in view.Secrets)
            {
                text.Append("- ").Append(secret.Name).Append('\n');
            }
        }

        text.Append("Browser code reads only VITE_ variables (import.meta.env.VITE_…) in a Vite app, NEXT_PUBLIC_ ones ")
            .Append("(process.env.NEXT_PUBLIC_…) in Next. Server code (Next route handlers and server components, vite.config, Node scripts) ")
            .Append("reads any name with process.env.NAME. A secret is for server code only: never send it to the browser or print it.\n");
        return text.ToString();
    }
}
