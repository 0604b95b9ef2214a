namespace Kiln.Sandbox;

/// <summary>What a package spec names, as npm and pnpm read it: the package, its initializer, or a local path.</summary>
internal static class PackageSpecs
{
    private static readonly string[] LocalSpecPrefixes = ["file:", "link:", "portal:"];

    /// <summary>The package name of a spec, without its version: 'create-vite@latest' → 'create-vite', '@scope/x@1' → '@scope/x'.</summary>
    public static string PackageName(string spec)
    {
        var versionAt = spec.IndexOf('@', spec.StartsWith('@') ? 1 : 0);
        return versionAt < 0 ? spec : spec[..versionAt];
    }

    /// <summary>The package an initializer names, as npm and pnpm map it: 'vite' → 'create-vite', '@scope/x' → '@scope/create-x'.</summary>
    public static string CreatePackageName(string name)
    {
        if (name.StartsWith('@'))
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? name + "/create" : $"{name[..(slash + 1)]}create-{name[(slash + 1)..]}";
        }

        return "create-" + name;
    }

    /// <summary>Package specs are names, not paths, except the local forms a package manager reads from disk.</summary>
    public static string? CheckLocal(IReadOnlyList<string> specs, ProjectPaths paths)
    {
        foreach (var spec in specs)
        {
            var local = LocalPart(spec);
            if (local is not null && paths.Check(local, PathUse.Read) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? LocalPart(string spec)
    {
        if (spec.StartsWith('.') || spec.StartsWith('/') || spec.StartsWith('~'))
        {
            return spec;
        }

        foreach (var prefix in LocalSpecPrefixes)
        {
            var at = spec.IndexOf(prefix, StringComparison.Ordinal);
            if (at == 0 || (at > 0 && spec[at - 1] == '@'))
            {
                return spec[(at + prefix.Length)..];
            }
        }

        return null;
    }
}
