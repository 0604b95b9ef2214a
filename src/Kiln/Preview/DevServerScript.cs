using System.Globalization;

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

    public static DevServerScript Create(string packageManager, string scriptName, string script) =>
        new(packageManager, scriptName, script, FrameworkOf(script));

    /// <summary>The argv and environment that run the script on <paramref name="port"/>, bound to 127.0.0.1.</summary>
    public (IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Environment) CommandFor(int port)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var argv = new List<string> { PackageManager, "run", ScriptName };
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
            if (PackageManager == "npm")
            {
                argv.Add("--");
            }

            argv.AddRange(flags);
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOST"] = Host,
            ["HOSTNAME"] = Host,
            ["PORT"] = portText,
            // Nothing in the sandbox can open a browser; some tools try and fail noisily.
            ["BROWSER"] = "none",
        };
        return (argv, environment);
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
