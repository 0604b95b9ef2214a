using System.Buffers;
using System.Globalization;
using Kiln.Sandbox;

namespace Kiln.Preview;

/// <summary>The dev tool a project's dev script runs, which decides how it is told its host and port.</summary>
public enum DevFramework
{
    /// <summary>Any other script: told through <c>HOST</c> and <c>PORT</c>, as most Node servers read them.</summary>
    Other,
    Vite,
    Next,
}

/// <summary>
/// A project's dev script (<c>scripts.dev</c> of its package.json) and the package manager that runs it. The
/// script runs as written, with the host and port Kiln chose added in the form its tool understands, so the
/// agent's own flags are kept.
/// </summary>
public sealed record DevServerScript(string PackageManager, string ScriptName, string Script, DevFramework Framework)
{
    public const string Host = "127.0.0.1";

    private static readonly SearchValues<char> ShellExpansions = SearchValues.Create("*?[]{}~#");

    public static DevServerScript Create(string packageManager, string scriptName, string script) =>
        new(packageManager, scriptName, script, FrameworkOf(script));

    /// <summary>
    /// The argv and environment that run the script on <paramref name="port"/>, bound to 127.0.0.1. A script that is
    /// one of the app's own tools with plain arguments (<c>vite</c>, <c>next dev --turbopack</c>) runs that tool
    /// directly, as the package manager would after finding it in node_modules/.bin, which saves starting the package
    /// manager (about 0.4 s of every start); anything else runs through it. <paramref name="viteArguments"/> (Kiln's
    /// config for select-to-edit, <see cref="ViteSourceTags"/>) follow the host and port of a Vite script.
    /// </summary>
    public (IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Environment) CommandFor(
        int port, string appDirectory, IReadOnlyList<string>? viteArguments = null)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var direct = DirectCommand(appDirectory);
        var argv = direct is not null ? new List<string>(direct) : [PackageManager, "run", ScriptName];
        string[] flags = Framework switch
        {
            // --strictPort: fail rather than quietly move to another port the proxy does not know.
            DevFramework.Vite => ["--host", Host, "--port", portText, "--strictPort"],
            DevFramework.Next => ["--hostname", Host, "--port", portText],
            _ => [],
        };
        if (flags.Length > 0)
        {
            // npm passes arguments on to the script only after "--"; pnpm and yarn pass them as they are.
            if (direct is null && PackageManager == "npm")
            {
                argv.Add("--");
            }

            argv.AddRange(flags);
            if (Framework == DevFramework.Vite && viteArguments is not null)
            {
                argv.AddRange(viteArguments);
            }
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOST"] = Host,
            ["HOSTNAME"] = Host,
            ["PORT"] = portText,
            // Nothing in the sandbox can open a browser; some tools try and fail noisily.
            ["BROWSER"] = "none",
            // A "packageManager" field naming another pnpm would make `pnpm run` download that version first, which a
            // dev server, with no network, cannot: it would hang until its start timed out.
            ["npm_config_manage_package_manager_versions"] = "false",
            ["pnpm_config_manage_package_manager_versions"] = "false",
        };
        if (direct is not null)
        {
            // What a package manager tells the scripts it runs, for tools that look.
            environment["npm_lifecycle_event"] = ScriptName;
            environment["npm_lifecycle_script"] = Script;
        }

        return (argv, environment);
    }

    /// <summary>The script as an argv whose program is node_modules/.bin's, or null when it is anything more than that.</summary>
    private List<string>? DirectCommand(string appDirectory)
    {
        // A shell would expand globs, braces, ~ and comments; the package manager's shell then runs it as written.
        if (Script.AsSpan().IndexOfAny(ShellExpansions) >= 0 || CommandLine.Split(Script).Argv is not { Count: > 0 } argv)
        {
            return null;
        }

        var program = argv[0];
        if (program.StartsWith('.') || !program.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
        {
            return null;
        }

        var tool = Path.Combine(appDirectory, "node_modules", ".bin", program);
        return File.Exists(tool) ? [tool, .. argv.Skip(1)] : null;
    }

    private static DevFramework FrameworkOf(string script)
    {
        var program = script.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return program switch
        {
            "vite" => DevFramework.Vite,
            "next" => DevFramework.Next,
            _ => DevFramework.Other,
        };
    }
}
